"""Discriminator layers: packing, minibatch standard deviation, spectral normalisation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.networks.layers import MinibatchStdDev, Packing, SpectralConv2D, SpectralDense


def test_packing_concatenates_consecutive_samples_along_the_last_axis():
    points = np.arange(16, dtype=np.float32).reshape(8, 2)
    packed = Packing(4)(points).numpy()
    np.testing.assert_array_equal(packed, [points[0:4].ravel(), points[4:8].ravel()])

    images = np.random.default_rng(0).normal(size=(6, 5, 5, 3)).astype(np.float32)
    packed = Packing(2)(images).numpy()
    assert packed.shape == (3, 5, 5, 6)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))


def test_packing_refuses_a_batch_it_cannot_divide():
    with pytest.raises(ValueError, match="divisible by 4. Received: batch size 6"):
        Packing(4)(np.zeros((6, 2), np.float32))
    with pytest.raises(ValueError, match="packing=0"):
        Packing(0)


def test_packed_discriminators_give_one_logit_per_pack_and_see_every_sample():
    mlp = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=[8], packing=4, seed=0)
    conv = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, packing=2, seed=0)
    assert mlp.get_layer("discriminator_packing") is not None
    assert mlp.get_layer("discriminator_dense_0").kernel.shape == (8, 8)  # input is 4 samples x 2
    assert conv.get_layer("discriminator_conv_0").kernel.shape[2] == 2  # 2 packed 1-channel images
    points = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    assert mlp(points).shape == (2, 1)
    changed = points.copy()
    changed[5] += 1.0  # a sample of the second pack changes only the second logit
    difference = np.abs(mlp(changed).numpy() - mlp(points).numpy()).ravel()
    assert difference[0] == 0 and difference[1] > 0
    assert conv(np.zeros((4, 8, 8, 1), np.float32)).shape == (2, 1)


def test_minibatch_std_appends_each_group_s_mean_standard_deviation():
    x = np.array([[0, 0], [2, 4], [1, 1], [1, 1]], np.float32)
    out = MinibatchStdDev(group_size=2)(x).numpy()
    np.testing.assert_array_equal(out[:, :2], x)
    # group 1: per-feature std (1, 2) -> mean 1.5; group 2: identical samples -> ~0
    np.testing.assert_allclose(out[:, 2], [1.5, 1.5, 0.0, 0.0], atol=1e-3)
    images = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype(np.float32)
    out = MinibatchStdDev(group_size=4)(images).numpy()
    assert out.shape == (4, 3, 3, 3) and np.ptp(out[..., 2]) < 1e-6  # one value broadcast to every pixel


def _largest_singular_value(layer):
    kernel = np.asarray(layer.normalized_kernel(training=False)).reshape(-1, layer.units)
    return np.linalg.svd(kernel, compute_uv=False)[0]


@pytest.mark.parametrize("layer, inputs", [
    (SpectralDense(16, kernel_initializer=keras.initializers.RandomNormal(stddev=3.0, seed=0)), (32, 8)),
    (SpectralConv2D(6, 3, padding="same", kernel_initializer=keras.initializers.RandomNormal(stddev=3.0, seed=0)),
     (8, 5, 5, 4)),
])
def test_spectral_norm_keeps_the_largest_singular_value_near_one_after_updates(layer, inputs):
    model = keras.Sequential([keras.Input(inputs[1:]), layer])
    raw = np.linalg.svd(np.asarray(layer.kernel).reshape(-1, layer.units), compute_uv=False)[0]
    assert raw > 5  # the unnormalised kernel is far from 1-Lipschitz
    optimizer = keras.optimizers.Adam(0.05)
    rng = np.random.default_rng(0)
    for _ in range(50):  # updates push the raw kernel around; one power iteration per training call
        x = rng.normal(size=inputs).astype(np.float32)
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(tf.square(model(x, training=True)))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    model(rng.normal(size=inputs).astype(np.float32), training=True)
    assert _largest_singular_value(layer) == pytest.approx(1.0, abs=0.05)


def test_spectral_norm_vector_moves_only_in_training_calls():
    layer = SpectralDense(4)
    x = np.ones((2, 3), np.float32)
    layer(x)
    before = np.array(layer.vector_u)
    layer(x, training=False)
    np.testing.assert_array_equal(layer.vector_u, before)
    layer(x, training=True)
    assert not np.array_equal(layer.vector_u, before)
    assert [v.name for v in layer.trainable_variables] == ["kernel", "bias"]


def test_discriminators_with_every_option_round_trip(tmp_path):
    model = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, normalization="layer",
                                               spectral_norm=True, minibatch_std=True, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, size=(4, 8, 8, 1)).astype(np.float32)
    model(x, training=True)
    model.save(tmp_path / "d.keras")
    restored = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(restored(x), model(x), atol=1e-6)
