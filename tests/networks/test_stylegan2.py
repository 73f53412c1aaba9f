"""StyleGAN2's layers and networks: demodulation, equalised learning rate, structure, saving."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.networks import build_stylegan2_discriminator, build_stylegan2_generator
from ganzoo.networks.equalized import EqualizedConv2D, EqualizedDense
from ganzoo.networks.layers import MinibatchStdDev
from ganzoo.networks.stylegan2 import WAverage, modulated_conv2d, num_ws

TINY = dict(w_dim=16, mapping_layers=2, channel_base=128, channel_max=16)


def _interior_variance(y):
    return np.var(np.asarray(y)[:, 1:-1, 1:-1, :], axis=(0, 1, 2))  # per output channel, borders left out


def test_demodulation_gives_unit_output_variance_for_any_style():
    # N = 64 samples x 14 x 14 interior pixels per output channel: the variance estimate's std is ~0.013
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 16, 16, 8)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 8, 6)).astype(np.float32)
    styles = np.exp(rng.normal(0.0, 1.5, size=(1, 8))).astype(np.float32).repeat(64, axis=0)  # one wild style
    demodulated = _interior_variance(modulated_conv2d(x, kernel, styles))
    np.testing.assert_allclose(demodulated, 1.0, atol=0.06)
    plain = _interior_variance(modulated_conv2d(x, kernel, styles, demodulate=False))
    assert np.abs(plain - 1.0).max() > 1.0  # without demodulation the style sets the scale
    upsampled = modulated_conv2d(x, kernel, styles, up=2)
    assert upsampled.shape == (64, 32, 32, 6)


def test_equalized_layers_scale_weights_at_run_time_by_the_formula():
    dense = EqualizedDense(5, lr_multiplier=0.01, seed=0)
    dense.build((None, 40))
    stored = np.asarray(dense.kernel)
    assert abs(stored.std() - 100.0) < 10.0  # N(0, 1 / lr_multiplier^2)
    np.testing.assert_allclose(np.asarray(dense.runtime_kernel()), stored * 0.01 / math.sqrt(40), rtol=1e-6)
    conv = EqualizedConv2D(4, 3, seed=0)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 7)).astype(np.float32)
    got = np.asarray(conv(x))
    expected = tf.nn.conv2d(x, np.asarray(conv.kernel) / math.sqrt(7 * 9), 1, "SAME").numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    lrelu = EqualizedConv2D(4, 3, activation="lrelu", gain=0.5, seed=0)
    lrelu.build(x.shape)
    lrelu.kernel.assign(conv.kernel)
    np.testing.assert_allclose(np.asarray(lrelu(x)), np.where(expected > 0, expected, 0.2 * expected) * math.sqrt(2) * 0.5,
                               rtol=1e-5, atol=1e-5)


def test_mapping_lr_multiplier_makes_the_effective_learning_rate_a_hundredth():
    """One Adam step moves a layer's run-time weights lr_multiplier times as far (Adam's first step is
    about the learning rate in every stored weight, whatever the gradient's scale)."""
    moves = {}
    for multiplier in (1.0, 0.01):
        layer = EqualizedDense(3, lr_multiplier=multiplier, seed=0)
        layer.build((None, 8))
        before = np.asarray(layer.runtime_kernel())
        x = tf.constant(np.random.default_rng(2).normal(size=(16, 8)), tf.float32)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(x) - 1.0))
        optimizer = keras.optimizers.Adam(1e-3)
        optimizer.apply(tape.gradient(loss, [layer.kernel]), [layer.kernel])
        moves[multiplier] = np.abs(np.asarray(layer.runtime_kernel()) - before).mean()
    assert moves[0.01] / moves[1.0] == pytest.approx(0.01, rel=1e-3)


def test_generator_structure_num_ws_and_truncation_layer():
    generator = build_stylegan2_generator(latent_dim=16, image_shape=(16, 16, 1), seed=0, **TINY)
    mapping, synthesis = generator.get_layer("mapping"), generator.get_layer("synthesis")
    assert synthesis.inputs[0].shape[1:] == (num_ws(16), 16) == (6, 16)
    z = np.random.default_rng(0).normal(size=(4, 16)).astype(np.float32)
    w = np.asarray(mapping(z))
    average = mapping.get_layer("w_avg")
    average.w_avg.assign(np.ones(16, np.float32))
    np.testing.assert_allclose(np.asarray(average.truncate(w, 0.0)), np.ones((4, 16)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(average.truncate(w, 1.0)), w, rtol=1e-5, atol=1e-6)
    average.track(np.zeros((4, 16), np.float32))
    np.testing.assert_allclose(np.asarray(average.w_avg), 0.995, rtol=1e-6)
    images = generator(z, training=False)
    assert images.shape == (4, 16, 16, 1)
    # inference noise is a fixed map (deterministic); training noise is drawn afresh
    np.testing.assert_array_equal(np.asarray(generator(z, training=False)), np.asarray(images))
    layer = synthesis.get_layer("b16_conv1")
    layer.noise_strength.assign(1.0)
    first, second = generator(z, training=True), generator(z, training=True)
    assert not np.allclose(np.asarray(first), np.asarray(second))


def test_networks_save_and_reload_in_safe_mode(tmp_path):
    generator = build_stylegan2_generator(latent_dim=8, image_shape=(8, 8, 3), num_classes=4, seed=0, **TINY)
    discriminator = build_stylegan2_discriminator(image_shape=(8, 8, 3), num_classes=4, architecture="orig",
                                                  channel_base=128, channel_max=16, mapping_layers=2, seed=0)
    inputs = [np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32), np.array([0, 1, 2, 3], np.int32)]
    images = np.asarray(generator(inputs))
    logits = np.asarray(discriminator([images, inputs[1]]))
    assert logits.shape == (4, 1)
    for network, args, expected in ((generator, inputs, images), (discriminator, [images, inputs[1]], logits)):
        path = tmp_path / f"{network.name}.keras"
        network.save(path)
        reloaded = keras.models.load_model(path, safe_mode=True)
        np.testing.assert_allclose(np.asarray(reloaded(args)), expected, rtol=1e-5, atol=1e-6)


def test_resnet_discriminator_has_skips_and_the_original_does_not():
    resnet = build_stylegan2_discriminator(image_shape=(16, 16, 1), channel_base=128, channel_max=16, seed=0)
    orig = build_stylegan2_discriminator(image_shape=(16, 16, 1), channel_base=128, channel_max=16,
                                         architecture="orig", seed=0)
    names = lambda model: {layer.name for layer in model.layers}  # noqa: E731
    assert {"b16_skip", "b8_skip"} <= names(resnet) and not any("skip" in n for n in names(orig))
    with pytest.raises(ValueError, match="power of two"):
        build_stylegan2_discriminator(image_shape=(12, 12, 1), channel_base=128, channel_max=16)


def test_minibatch_std_with_several_features_gives_one_statistic_per_channel_group():
    x = np.zeros((4, 2, 2, 4), np.float32)
    x[:2, ..., :2] = [[[[-1.0]]], [[[1.0]]]]  # first group, first two channels: std 1; the rest constant
    out = np.asarray(MinibatchStdDev(group_size=2, num_features=2)(x))
    assert out.shape == (4, 2, 2, 6)
    np.testing.assert_allclose(out[:2, ..., 4], 1.0, atol=1e-3)
    np.testing.assert_allclose(out[:2, ..., 5], 0.0, atol=1e-3)
    np.testing.assert_allclose(out[2:, ..., 4:], 0.0, atol=1e-3)


def test_w_average_refuses_a_beta_of_one():
    with pytest.raises(ValueError, match="w_avg_beta"):
        WAverage(1.0)


def _trainable_parameters(network):
    return int(sum(np.prod(weight.shape) for weight in network.trainable_weights))


#: Parameter counts of the official StyleGAN2-ADA PyTorch code (NVlabs/stylegan2-ada-pytorch,
#: training/networks.py), the "Total" rows of its `print_module_summary` table. Buffers (noise_const,
#: w_avg, resample filters) are not parameters there, as noise_const and w_avg are not trainable here.
OFFICIAL_PARAMETERS = {
    # 32x32 RGB, unconditional, z = w = 512, 8 mapping layers, 512 channels, resnet D: the table
    # pasted in the README of github.com/AYUSH-ISHAN/Style_GAN_2 (commit 9637dbc), an ADA "auto" run.
    "auto32": (21523475, 21507073),
    # ADA's cifar config (conditional, 2 mapping layers, orig D, D's label mapping 8 layers) and its
    # paper256 config (channel_base 16384): computed layer by layer from training/networks.py, the
    # arithmetic that reproduces the pasted tables above and the TF1 code's 23191522-parameter
    # synthesis + 2 mapping layers table for paper256 networks.
    "stylegan2-cifar10": (20215315, 23089664),
    "stylegan2-ffhq256": (24767458, 24001089),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(OFFICIAL_PARAMETERS))
def test_full_size_networks_have_the_official_parameter_counts(name):
    import ganzoo

    if name == "auto32":
        generator = build_stylegan2_generator(latent_dim=512, image_shape=(32, 32, 3), w_dim=512, mapping_layers=8)
        discriminator = build_stylegan2_discriminator(image_shape=(32, 32, 3))
        conditional = False
    else:
        config = ganzoo.get_config(name)
        shape = (config["data"]["image_size"],) * 2 + (3,)
        model = ganzoo.zoo.build_from_config(config, sample_shape=shape, compile=False)
        generator, discriminator, conditional = model.generator, model.discriminator, model.conditional
    assert (_trainable_parameters(generator), _trainable_parameters(discriminator)) == OFFICIAL_PARAMETERS[name]
    z = np.random.default_rng(0).normal(size=(1, 512)).astype(np.float32)
    label = np.array([3], np.int32)
    images = np.asarray(generator([z, label] if conditional else z, training=False))
    logits = np.asarray(discriminator([images, label] if conditional else images, training=False))
    assert np.isfinite(images).all() and np.isfinite(logits).all() and logits.shape == (1, 1)
