"""Losses against values computed by hand in probability space (D = sigmoid(logit))."""

import math

import numpy as np
import pytest

from ganzoo import losses

REAL = np.array([0.0, math.log(3.0), -1.5, 2.0], np.float32)  # D(x) = 1/2, 3/4, ...
FAKE = np.array([0.0, -math.log(3.0), 0.7, -2.5], np.float32)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def hand_values(real, fake):
    d_real, d_fake = sigmoid(real), sigmoid(fake)
    return {
        "minimax": (-np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)), np.mean(np.log(1 - d_fake))),
        "non_saturating": (-np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)), -np.mean(np.log(d_fake))),
        "wasserstein": (np.mean(fake) - np.mean(real), -np.mean(fake)),
        "hinge": (np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)), -np.mean(fake)),
        "least_squares": (0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake ** 2), np.mean((fake - 1) ** 2)),
    }


@pytest.mark.parametrize("family", sorted(losses.LOSS_FAMILIES))
@pytest.mark.parametrize("shape", [(4,), (4, 1), (1, 2, 2, 1)], ids=["vector", "column", "patch"])
def test_losses_match_hand_values_for_any_logit_shape(family, shape):
    expected_d, expected_g = hand_values(REAL, FAKE)[family]
    loss = losses.get_loss_family(family)
    real, fake = REAL.reshape(shape), FAKE.reshape(shape)
    np.testing.assert_allclose(float(loss.discriminator_loss(real, fake)), expected_d, rtol=1e-5)
    np.testing.assert_allclose(float(loss.generator_loss(fake)), expected_g, rtol=1e-5)


def test_first_two_examples_by_hand():
    # D(x) = [1/2, 3/4], D(G(z)) = [1/2, 1/4]: -V = -(log 1/2 + log 3/4)/2 * 2 = log(8/3).
    real, fake = REAL[:2], FAKE[:2]
    assert float(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(math.log(8 / 3), rel=1e-6)
    assert float(losses.non_saturating_generator_loss(fake)) == pytest.approx(-(math.log(0.5) + math.log(0.25)) / 2)


def test_discriminator_at_one_half_gives_value_minus_log_4():
    zeros = np.zeros((8, 3, 3, 1), np.float32)  # a patch discriminator that outputs D = 1/2 everywhere
    assert float(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(math.log(4.0), rel=1e-6)


@pytest.mark.parametrize("family", sorted(losses.LOSS_FAMILIES))
def test_losses_stay_finite_for_extreme_logits(family):
    loss = losses.get_loss_family(family)
    real = np.array([-200.0, 200.0], np.float32)
    fake = np.array([200.0, -200.0], np.float32)
    assert np.isfinite(float(loss.discriminator_loss(real, fake)))
    assert np.isfinite(float(loss.generator_loss(fake)))


def test_saturating_loss_is_linear_in_logit_when_discriminator_wins():
    # log(1 - sigmoid(l)) = -softplus(l) ~ l for l << 0: the minimax loss saturates (gradient -> 0).
    assert float(losses.minimax_generator_loss(np.array([-100.0], np.float32))) == pytest.approx(0.0, abs=1e-30)
    assert float(losses.non_saturating_generator_loss(np.array([-100.0], np.float32))) == pytest.approx(100.0)


def test_unknown_family_names_the_choices():
    with pytest.raises(ValueError, match=r"Received: loss='hing'") as info:
        losses.get_loss_family("hing")
    assert "hinge" in str(info.value)
