"""The generative classifier: each class's density learns from its own examples only, and Bayes' rule reads them."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.evaluation.uses import bayes_posterior
from tinygen.models.autoregressive import NADE, IndependentBernoulli
from tinygen.models.class_conditional import ClassConditional

SHAPE = (1, 2, 3)


def two_class_model():
    tg.manual_seed(0)
    return ClassConditional([NADE(SHAPE, 4, dtype=tg.float64), NADE(SHAPE, 4, dtype=tg.float64)], [30, 10])


def test_the_loss_is_each_class_density_on_its_own_examples():
    model = two_class_model()
    x = tg.tensor((np.random.default_rng(0).random((6, *SHAPE)) < 0.5).astype(np.float64))
    labels = np.array([0, 1, 1, 0, 0, 1])
    loss, _ = model.loss(x, tg.tensor(labels))
    own = [model.densities[k].log_prob(x[i : i + 1]).item() for i, k in enumerate(labels)]
    assert loss.item() == pytest.approx(-np.mean(own))
    loss.backward()  # class 0's density gets no gradient from class 1's examples: remove them, same gradient
    gradient = model.densities[0].weight.grad.numpy().copy()
    model.zero_grad()
    (-model.densities[0].log_prob(x[labels == 0]).sum() / 6).backward()
    np.testing.assert_allclose(model.densities[0].weight.grad.numpy(), gradient, rtol=1e-12)


def test_log_prob_is_the_mixture_over_classes_and_bayes_rule_recovers_the_class_posterior():
    model = two_class_model()
    x = tg.tensor((np.random.default_rng(1).random((5, *SHAPE)) < 0.5).astype(np.float64))
    per_class = model.class_log_likelihoods(x).numpy()
    assert per_class.shape == (5, 2)
    np.testing.assert_allclose(np.exp(model.log_prior), [0.75, 0.25])
    joint = per_class + model.log_prior
    np.testing.assert_allclose(model.log_prob(x).numpy(), np.logaddexp(joint[:, 0], joint[:, 1]), rtol=1e-12)
    posterior = bayes_posterior(per_class, model.log_prior)
    np.testing.assert_allclose(posterior, np.exp(joint - model.log_prob(x).numpy()[:, None]), rtol=1e-10)


def test_fitted_class_densities_classify_two_kinds_of_pixels():
    """Class 0 inks the left column, class 1 the right: the fitted per-class densities tell them apart."""
    rng = np.random.default_rng(2)
    images = np.zeros((40, *SHAPE))
    labels = np.repeat([0, 1], 20)
    images[:20, 0, :, 0] = images[20:, 0, :, 2] = 1
    images = np.where(rng.random(images.shape) < 0.1, 1 - images, images)  # a pixel in ten flipped
    densities = [IndependentBernoulli(SHAPE).fit_closed_form(images[labels == k]) for k in (0, 1)]
    model = ClassConditional(densities, np.bincount(labels))
    predicted = bayes_posterior(model.class_log_likelihoods(tg.tensor(images)).numpy(), model.log_prior).argmax(1)
    assert (predicted == labels).mean() > 0.95


def test_sampling_draws_each_label_from_its_own_density():
    model = two_class_model()
    assert model.sample(5, labels=np.array([1, 0, 1, 1, 0])).shape == (5, *SHAPE)
    assert model.sample(7).shape == (7, *SHAPE)


def test_bad_labels_or_counts_stop_with_what_was_wrong():
    model = two_class_model()
    with pytest.raises(ValueError, match=r"one label in \[0, 2\) per example"):
        model.loss(tg.zeros(2, *SHAPE, dtype=tg.float64), tg.tensor(np.array([0, 2])))
    with pytest.raises(ValueError, match="one density per class and a positive count"):
        ClassConditional([NADE(SHAPE, 2)], [3, 4])
