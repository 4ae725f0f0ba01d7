"""WGAN-GP (Gulrajani et al., 2017) as the well-known PyTorch implementations write it
(eriklindernoren/PyTorch-GAN, implementations/wgan_gp), with convolutions for 28x28 digits.

torch_wgan_gp.py is the PyTorch original, tinygen_wgan_gp.py its port: they
differ only in the lines tests/ports/test_ports.py lists.
"""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from mnist_digits import mnist_digits

latent_dim = 16
n_critic = 5
lambda_gp = 10


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 32 * 7 * 7))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(32),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 32, 7, 7)
        img = self.conv_blocks(out)
        return img


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters):
            return [nn.Conv2d(in_filters, out_filters, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]

        # no batch normalisation in the critic: the penalty is on each example's own gradient
        self.model = nn.Sequential(*discriminator_block(1, 16), *discriminator_block(16, 32))
        self.adv_layer = nn.Linear(32 * 7 * 7, 1)

    def forward(self, img):
        out = self.model(img)
        out = out.view(out.shape[0], -1)
        validity = self.adv_layer(out)
        return validity


def compute_gradient_penalty(D, real_samples, fake_samples):
    """Calculates the gradient penalty loss for WGAN GP"""
    # Random weight term for interpolation between real and fake samples
    alpha = torch.rand(real_samples.size(0), 1, 1, 1)
    # Get random interpolation between real and fake samples
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = torch.ones(real_samples.size(0), 1)
    # Get gradient w.r.t. interpolates
    gradients = torch.autograd.grad(
        outputs=d_interpolates,
        inputs=interpolates,
        grad_outputs=fake,
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


def main(steps=10, seed=1):
    torch.manual_seed(seed)

    images, _ = mnist_digits(256)
    dataloader = DataLoader(TensorDataset(torch.from_numpy(images * 2 - 1)), batch_size=32, shuffle=True)

    generator = Generator()
    discriminator = Discriminator()

    optimizer_G = torch.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.0, 0.9))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.0, 0.9))

    losses = []
    while len(losses) < steps:
        for i, (imgs,) in enumerate(dataloader):
            real_imgs = imgs

            # ---------------------
            #  Train Discriminator
            # ---------------------
            optimizer_D.zero_grad()

            z = torch.randn(imgs.shape[0], latent_dim)
            fake_imgs = generator(z)

            real_validity = discriminator(real_imgs)
            fake_validity = discriminator(fake_imgs)
            gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.detach(), fake_imgs.detach())
            d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty

            d_loss.backward()
            optimizer_D.step()

            optimizer_G.zero_grad()

            # Train the generator every n_critic steps
            if i % n_critic == 0:
                # -----------------
                #  Train Generator
                # -----------------
                fake_imgs = generator(z)
                fake_validity = discriminator(fake_imgs)
                g_loss = -torch.mean(fake_validity)

                g_loss.backward()
                optimizer_G.step()

            losses.append((d_loss.item(), gradient_penalty.item(), g_loss.item()))
            print(f"[{len(losses)}/{steps}] [D loss: {d_loss.item():f}] [GP: {gradient_penalty.item():f}] "
                  f"[G loss: {g_loss.item():f}]")
            if len(losses) == steps:
                break
    return losses


if __name__ == "__main__":
    print(main())
