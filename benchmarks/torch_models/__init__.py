"""The same architectures as ``tinygen.models``, written in PyTorch.

They serve two purposes with one piece of code: the models benchmark suite times a
training step of each next to tinygen's, and the reference tests load identical
weights into both and check that the two frameworks compute the same thing.
"""
import torch


def copy_weights(source, target):
    """Copy every parameter and buffer of the tinygen module ``source`` into its torch twin ``target``, by name."""
    state = {name: torch.from_numpy(tensor.numpy().copy()) for name, tensor in source.state_dict().items()}
    target.load_state_dict(state)
    return target
