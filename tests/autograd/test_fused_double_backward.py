"""A fused op differentiated twice (create_graph=True) through its ``reference``: partial derivatives only.

Normalisation is two fused ops, moments(x) -> (mu, var) and standardize(x, mu, var), whose inputs depend on
each other. Differentiating standardize's reference with respect to x must not also follow the path through
mu and var back to x: the engine sends those gradients along that path itself. It did, and every norm layer's
input gradient under create_graph=True came out wrong (instance norm by up to 1.5 here), and with it the
gradient penalty of any WGAN-GP critic with a norm layer (StarGAN's PatchGAN critic).
"""
import numpy as np
import pytest

import tinygen as tg
from tinygen.autograd.engine import grad
from tinygen.nn import BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm

NORMS = {"instance": lambda: InstanceNorm2d(3), "group": lambda: GroupNorm(1, 3), "layer": lambda: LayerNorm((3, 4, 4)),
         "batch": lambda: BatchNorm2d(3)}  # fmt: skip


@pytest.mark.parametrize("norm", NORMS)
def test_a_differentiable_gradient_through_a_norm_equals_the_plain_one(norm):
    layer = NORMS[norm]().double()
    rng = np.random.default_rng(0)
    x, weights = tg.tensor(rng.normal(size=(2, 3, 4, 4))).requires_grad_(), tg.tensor(rng.normal(size=(2, 3, 4, 4)))
    (graph,) = grad((layer(x) * weights).sum(), x, create_graph=True)
    (plain,) = grad((layer(x) * weights).sum(), x)
    np.testing.assert_allclose(graph.numpy(), plain.numpy(), rtol=1e-12, atol=1e-12)


def test_a_gradient_penalty_through_instance_norm_matches_central_differences_at_both_orders():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2, 3, 3))
    weights = tg.tensor(rng.normal(size=(2, 2, 3, 3)), requires_grad=True)
    norm = InstanceNorm2d(2).double()

    def critic(probe, w):
        return (norm(probe * w) ** 3 * w).sum()

    def input_gradient(w):
        probe = tg.tensor(x, requires_grad=True)
        return grad(critic(probe, w), probe, create_graph=True)[0]

    # first order, the penalty's argument: against central differences of the critic in x
    step, numeric = 1e-6, np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[index] = step
        numeric[index] = (critic(tg.tensor(x + shift), weights).item() - critic(tg.tensor(x - shift), weights).item()) / (2 * step)
    np.testing.assert_allclose(input_gradient(weights).numpy(), numeric, rtol=1e-6, atol=1e-8)
    # second order, the penalty's gradient in the critic's weights
    assert tg.gradcheck(lambda w: ((input_gradient(w).flatten(1).norm(dim=1) - 1) ** 2).mean(), weights,
                        rtol=1e-6, atol=1e-9)  # fmt: skip
