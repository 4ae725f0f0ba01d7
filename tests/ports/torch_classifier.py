"""A convolutional MNIST classifier as PyTorch's examples write it (pytorch/examples, mnist/main.py), smaller.

torch_classifier.py is the PyTorch original, tinygen_classifier.py its port:
they differ only in the lines tests/ports/test_ports.py lists.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

from mnist_digits import mnist_digits


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(2304, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return self.fc2(x)


def train(model, device, train_loader, optimizer, criterion, steps):
    model.train()
    losses = []
    while len(losses) < steps:
        for data, target in train_loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = criterion(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses


def test(model, device, test_loader, criterion):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += criterion(output, target).item() * data.size(0)
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct / len(test_loader.dataset)


def main(steps=40, seed=1):
    torch.manual_seed(seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    images, labels = mnist_digits(512)
    images = (images - 0.1307) / 0.3081
    train_set = TensorDataset(torch.from_numpy(images[:384]), torch.from_numpy(labels[:384]))
    test_set = TensorDataset(torch.from_numpy(images[384:]), torch.from_numpy(labels[384:]))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=64)

    model = Net().to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    criterion = nn.CrossEntropyLoss()
    losses = train(model, device, train_loader, optimizer, criterion, steps)
    scheduler.step()
    test_loss, accuracy = test(model, device, test_loader, criterion)
    print(f"test loss {test_loss:.4f}, accuracy {accuracy:.1%}")
    return losses


if __name__ == "__main__":
    print(main())
