"""The same architectures as ``tinygen.models``, written in PyTorch.

They serve two purposes with one piece of code: the models benchmark suite times a
training step of each next to tinygen's, and the reference tests load identical
weights into both and check that the two frameworks compute the same thing.
"""
