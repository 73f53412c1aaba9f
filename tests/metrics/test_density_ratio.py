"""The seed theory, checked on densities known in closed form (1D Gaussian mixtures).

A discriminator is trained with ganzoo's discriminator loss against a *fixed* generator (a known
sampler). Then: its logit approaches log p_data - log p_G; with p_G = p_data it stays near 1/2 and
V near -log 4; its JSD estimate tracks the Monte-Carlo JSD.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.losses import minimax_discriminator_loss
from ganzoo.metrics import calibration_error, gan_value, jsd_from_value, log_density_ratio
from ganzoo.networks import build_mlp_discriminator


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


DATA = {"means": (-1.0, 1.0), "std": 0.5}  # p_data: two bumps
SHIFTED = {"means": (0.0,), "std": 1.0}  # p_G: one wide bump


def pdf(spec, x):
    return np.mean([normal_pdf(x, m, spec["std"]) for m in spec["means"]], axis=0)


def sample(spec, n, rng):
    means = np.asarray(spec["means"])[rng.integers(0, len(spec["means"]), n)]
    return (means + spec["std"] * rng.standard_normal(n)).astype(np.float32)[:, None]


def trained_discriminator(p_data, p_g, steps=1500, seed=0):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    discriminator = build_mlp_discriminator(input_shape=(1,), hidden_units=(64, 64), seed=seed)
    optimizer = keras.optimizers.Adam(3e-3)

    @tf.function
    def step(real, fake):
        with tf.GradientTape() as tape:
            loss = minimax_discriminator_loss(discriminator(real, training=True), discriminator(fake, training=True))
        optimizer.apply(tape.gradient(loss, discriminator.trainable_variables), discriminator.trainable_variables)

    for _ in range(steps):
        step(sample(p_data, 512, rng), sample(p_g, 512, rng))
    return discriminator


@pytest.fixture(scope="module")
def shifted_discriminator():
    return trained_discriminator(DATA, SHIFTED)


def test_logit_estimates_the_log_density_ratio(shifted_discriminator):
    x = np.linspace(-1.5, 1.5, 301, dtype=np.float32)[:, None]  # where both densities have mass
    true_log_ratio = np.log(pdf(DATA, x[:, 0])) - np.log(pdf(SHIFTED, x[:, 0]))
    estimate = log_density_ratio(shifted_discriminator, x)
    error = np.abs(estimate - true_log_ratio)
    assert error.mean() < 0.15 and error.max() < 0.5, (error.mean(), error.max())
    optimal_d = pdf(DATA, x[:, 0]) / (pdf(DATA, x[:, 0]) + pdf(SHIFTED, x[:, 0]))
    assert np.abs(1 / (1 + np.exp(-estimate)) - optimal_d).mean() < 0.03


def test_jsd_estimate_tracks_the_monte_carlo_jsd(shifted_discriminator):
    rng = np.random.default_rng(1)
    real, fake = sample(DATA, 50_000, rng), sample(SHIFTED, 50_000, rng)
    p_r, q_r = pdf(DATA, real[:, 0]), pdf(SHIFTED, real[:, 0])
    p_f, q_f = pdf(DATA, fake[:, 0]), pdf(SHIFTED, fake[:, 0])
    monte_carlo_jsd = 0.5 * np.mean(np.log(2 * p_r / (p_r + q_r))) + 0.5 * np.mean(np.log(2 * q_f / (p_f + q_f)))
    value = gan_value(log_density_ratio(shifted_discriminator, real), log_density_ratio(shifted_discriminator, fake))
    assert jsd_from_value(value) == pytest.approx(monte_carlo_jsd, abs=0.02)
    assert jsd_from_value(value) <= monte_carlo_jsd + 0.01  # a lower bound, up to sampling noise


def test_when_p_g_equals_p_data_d_stays_at_one_half_and_v_at_minus_log_4():
    discriminator = trained_discriminator(DATA, DATA, steps=600)
    rng = np.random.default_rng(2)
    real, fake = sample(DATA, 20_000, rng), sample(DATA, 20_000, rng)
    real_logits, fake_logits = log_density_ratio(discriminator, real), log_density_ratio(discriminator, fake)
    assert np.abs(1 / (1 + np.exp(-real_logits)) - 0.5).mean() < 0.05
    assert gan_value(real_logits, fake_logits) == pytest.approx(-math.log(4), abs=0.01)
    assert calibration_error(1 / (1 + np.exp(-real_logits)), 1 / (1 + np.exp(-fake_logits))) < 0.05


def test_calibration_error_by_hand():
    # D says 0.9 for every real and 0.9 for every fake: one bin, mean 0.9, fraction real 0.5 -> 0.4
    assert calibration_error([0.9, 0.9], [0.9, 0.9]) == pytest.approx(0.4)
    assert calibration_error([1.0, 1.0], [0.0, 0.0]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="as many real as fake"):
        calibration_error([0.5], [])
