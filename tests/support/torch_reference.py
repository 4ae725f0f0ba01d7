"""Comparing a tinygen computation with the same one in PyTorch: outputs, then gradients."""
import numpy as np

import tinygen as tg


def assert_same_outputs_and_gradients(y, y_ref, pairs, rtol=1e-10, atol=1e-12):
    """``y`` (tinygen) and ``y_ref`` (torch) agree, and after backpropagating the same random
    upstream gradient through both, so does every (tinygen tensor, torch tensor) pair's ``.grad``."""
    np.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(tg.tensor(upstream))
    y_ref.backward(y_ref.new_tensor(upstream))
    for name, (mine, theirs) in pairs:
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)
