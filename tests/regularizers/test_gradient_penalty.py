"""The gradient penalty against hand computations on linear critics, whose gradient is known."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.networks.layers import Packing
from ganzoo.regularizers import gradient_penalty, interpolate


def linear_critic(weights, sample_shape, packing=1):
    """D(x) = <w, flatten(x)> + 1: its input gradient is w everywhere, so the penalty is (|w| - 1)^2."""
    inputs = keras.Input(sample_shape)
    x = keras.layers.Flatten()(inputs)
    if packing > 1:
        x = Packing(packing)(x)
    dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(weights.reshape(-1, 1)),
                               bias_initializer="ones")
    return keras.Model(inputs, dense(x))


@pytest.mark.parametrize("sample_shape", [(2,), (4, 4, 3)])
def test_penalty_on_a_linear_critic_equals_the_hand_computation(sample_shape):
    weights = np.random.default_rng(0).normal(size=int(np.prod(sample_shape))).astype(np.float32)
    points = np.random.default_rng(1).normal(size=(6, *sample_shape)).astype(np.float32)
    expected = (np.linalg.norm(weights) - 1.0) ** 2
    np.testing.assert_allclose(gradient_penalty(linear_critic(weights, sample_shape), points), expected, rtol=1e-5)


def test_penalty_is_zero_for_a_unit_gradient_and_target_norm_is_respected():
    weights = np.array([0.6, 0.8], np.float32)  # |w| = 1
    points = np.ones((4, 2), np.float32)
    assert float(gradient_penalty(linear_critic(weights, (2,)), points)) == pytest.approx(0.0, abs=1e-10)
    assert float(gradient_penalty(linear_critic(weights, (2,)), points, target_norm=0.0)) == pytest.approx(1.0)


def test_penalty_norm_is_taken_over_each_pack_for_a_packed_critic():
    weights = np.arange(1, 9, dtype=np.float32) / 10  # a critic of 4 packed 2D samples
    critic = linear_critic(weights, (2,), packing=4)
    points = np.zeros((8, 2), np.float32)
    assert critic(points).shape == (2, 1)
    expected = (np.linalg.norm(weights) - 1.0) ** 2  # not the per-sample norms of the pieces of w
    np.testing.assert_allclose(gradient_penalty(critic, points), expected, rtol=1e-5)


def test_penalty_is_differentiable_in_the_critic_weights():
    critic = linear_critic(np.array([3.0, 4.0], np.float32), (2,))
    with tf.GradientTape() as tape:
        penalty = gradient_penalty(critic, np.ones((4, 2), np.float32))
    kernel_gradient = tape.gradient(penalty, critic.trainable_variables[0])
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w| = 2 * 4 * (0.6, 0.8)
    np.testing.assert_allclose(kernel_gradient.numpy().ravel(), [4.8, 6.4], rtol=1e-5)


def test_penalty_under_jit_compile_equals_eager():
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    points = tf.random.stateless_normal((16, 2), [0, 1])
    eager = gradient_penalty(critic, points)
    compiled = tf.function(lambda x: gradient_penalty(critic, x), jit_compile=True)(points)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5)


def test_interpolation_weight_is_uniform_and_drawn_per_sample():
    real = np.ones((20_000, 3, 3, 1), np.float32)
    fake = np.zeros_like(real)
    points = interpolate(real, fake, tf.constant([0, 7], tf.int64)).numpy()
    epsilon = points[:, 0, 0, 0]
    assert np.all(points == epsilon[:, None, None, None])  # one weight per sample, shared by its pixels
    assert 0.0 <= epsilon.min() and epsilon.max() <= 1.0
    assert len(np.unique(epsilon)) > 19_000  # per sample, not per batch
    assert abs(epsilon.mean() - 0.5) < 0.01 and abs(epsilon.var() - 1 / 12) < 0.003  # U[0, 1], not a normal
    np.testing.assert_array_equal(np.histogram(epsilon, bins=4, range=(0, 1))[0] > 4_700, True)
