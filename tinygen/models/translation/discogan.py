"""DiscoGAN (Kim, Cha, Kim, Lee and Kim, "Learning to discover cross-domain relations with generative
adversarial networks", 2017).

The same two generators G_AB, G_BA and two discriminators D_A, D_B as
CycleGAN, and (with D's outputs probabilities, D = sigmoid(score))

    L_G      = L_GAN_B + L_CONST_A + L_GAN_A + L_CONST_B
    L_CONST_A = d( G_BA(G_AB(a)), a ),   L_CONST_B = d( G_AB(G_BA(b)), b ),   d: the squared error
    L_GAN_B  = -E_a[ log D_B(G_AB(a)) ]                        (and L_GAN_A the same for G_BA, D_A)
    L_D      = L_D_A + L_D_B,  L_D_B = -E_b[ log D_B(b) ] - E_a[ log(1 - D_B(G_AB(a))) ]

How it differs from CycleGAN, precisely:

* the GAN loss is the cross-entropy of the original GAN, with the generators'
  non-saturating form, where CycleGAN's is least squares;
* the reconstruction distance is the squared error (mean per pixel; the
  paper names MSE, cosine or hinge distances and its code uses MSE),
  weighted 1 against each GAN term, where CycleGAN's is L1 weighted lambda = 10;
* the discriminators' losses are summed, not halved; they see only the latest
  translations (no history of past fakes), and there is no identity term;
* Adam, lr 2e-4, betas (0.5, 0.999), with the code's weight decay 1e-5.

The paper's networks are plain encoder-decoders (no residual blocks) and
discriminators that judge whole 64x64 images; here both models get the same
residual generators and PatchGAN discriminators (``networks``), so that only
the objective differs between them (each of D's patch scores is a logit).
"""
from ...ops import mse_loss, softplus
from .cycle import CycleTranslation


class DiscoGAN(CycleTranslation):
    """DiscoGAN on ``g_ab``, ``g_ba``, ``d_a``, ``d_b`` (see the module docstring)."""

    weight_decay = 1e-5

    def fooling(self, scores):
        return softplus(-scores).mean()  # -log sigmoid(score)

    def telling(self, real_scores, fake_scores):
        return softplus(-real_scores).mean() + softplus(fake_scores).mean()

    def reconstruction(self, x, target):
        return mse_loss(x, target)
