"""pix2pix's U-Net and PatchGAN and CycleGAN's ResNet generator: shapes, skips, receptive fields."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.networks.layers import ReflectionPadding2D
from ganzoo.networks.patchgan import RECEPTIVE_FIELDS, patchgan_output_size
from ganzoo.networks.unet import unet_depth


def test_unet_skips_join_encoder_and_decoder_maps_of_the_same_size():
    generator = networks.build_unet_generator(input_shape=(32, 32, 1), output_channels=3, width=4, seed=0)
    depth = unet_depth(32)
    assert depth == 5
    skips = [layer for layer in generator.layers if layer.name.startswith("generator_skip_")]
    assert len(skips) == depth - 1
    for layer in skips:  # decoder output and encoder output of one stage, same side, channels added
        stage = int(layer.name.rsplit("_", 1)[1])
        decoder, encoder = (tuple(t.shape) for t in layer.input)
        encoder_layer = generator.get_layer(f"generator_down_{stage}")
        assert encoder == tuple(encoder_layer.output.shape)
        assert decoder[-1] == encoder[-1] == 4 * min(2 ** stage, 8)
        side = 32 // 2 ** (stage + 1)
        probe = keras.Model(generator.input, layer.output)(np.zeros((1, 32, 32, 1), np.float32))
        assert probe.shape == (1, side, side, 2 * encoder[-1])
    outputs = generator(np.zeros((2, 32, 32, 1), np.float32))
    assert outputs.shape == (2, 32, 32, 3)
    dropouts = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dropout)]
    assert len(dropouts) == 3 and all(layer.rate == 0.5 for layer in dropouts)


def test_unet_is_fully_convolutional_and_refuses_sides_it_cannot_halve():
    generator = networks.build_unet_generator(input_shape=(16, 16, 1), output_channels=1, width=4, seed=0)
    assert generator(np.zeros((1, 48, 32, 1), np.float32)).shape == (1, 48, 32, 1)
    assert unet_depth(256) == 8  # the paper's 256 px U-Net reaches 1x1 after 8 stages
    with pytest.raises(ValueError, match="power of two"):
        networks.build_unet_generator(input_shape=(24, 24, 1), output_channels=1)
    with pytest.raises(ValueError, match="divisible by 16"):
        networks.build_unet_generator(input_shape=(24, 24, 1), output_channels=1, depth=4)


def test_the_skips_carry_the_input_past_a_dead_bottleneck():
    """With the bottleneck's convolution zeroed, the output still depends on the input: the skips."""
    generator = networks.build_unet_generator(input_shape=(8, 8, 1), output_channels=1, width=2, dropout=0, seed=0)
    bottleneck = generator.get_layer(f"generator_down_{unet_depth(8) - 1}")
    for variable in bottleneck.weights:
        variable.assign(np.zeros(variable.shape, np.float32))
    x = tf.Variable(np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(generator(x, training=False))
    assert np.abs(tape.gradient(out, x).numpy()).sum() > 0
    probe = keras.Model(generator.input, bottleneck.output)
    assert np.all(probe(x.numpy()).numpy() == 0)


def test_patchgan_receptive_fields_and_output_sizes():
    assert sorted(RECEPTIVE_FIELDS) == [16, 34, 70, 142, 286]
    assert networks.patchgan_receptive_field(3) == 70
    assert patchgan_output_size(256, 3) == 30  # the paper's 30x30 map of 70x70 patches
    discriminator = networks.build_patchgan_discriminator(image_shape=(256, 256, 3), condition_channels=1,
                                                          receptive_field=70, width=2, seed=0)
    assert [tuple(t.shape[1:]) for t in discriminator.inputs] == [(256, 256, 1), (256, 256, 3)]
    assert tuple(discriminator.output.shape[1:]) == (30, 30, 1)
    for field, size in ((16, 32), (34, 32)):
        built = networks.build_patchgan_discriminator(image_shape=(size, size, 1), receptive_field=field, width=2)
        assert tuple(built.output.shape[1:3]) == (patchgan_output_size(size, RECEPTIVE_FIELDS[field]),) * 2
    with pytest.raises(ValueError, match=r"receptive_field must be one of \[16, 34, 70, 142, 286\]"):
        networks.build_patchgan_discriminator(image_shape=(32, 32, 1), receptive_field=50)
    with pytest.raises(ValueError, match="needs larger images"):
        networks.build_patchgan_discriminator(image_shape=(8, 8, 1), receptive_field=286)


@pytest.mark.parametrize("field,size", [(16, 48), (34, 64), (70, 128)])
def test_one_patch_logit_sees_exactly_its_receptive_field(field, size):
    discriminator = networks.build_patchgan_discriminator(image_shape=(size, size, 1), receptive_field=field,
                                                          width=2, normalization="none", seed=0)
    x = tf.Variable(np.random.default_rng(1).uniform(-1, 1, (1, size, size, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        logits = discriminator(x)
        centre = logits.shape[1] // 2
        chosen = logits[0, centre, centre, 0]
    rows, columns = np.nonzero(np.abs(tape.gradient(chosen, x).numpy()[0, :, :, 0]) > 0)
    assert rows.max() - rows.min() + 1 == field
    assert columns.max() - columns.min() + 1 == field


def test_resnet_generator_shapes_blocks_and_reflection_padding():
    generator = networks.build_resnet_generator(input_shape=(32, 32, 1), output_channels=3, width=4, blocks=6, seed=0)
    assert generator(np.zeros((2, 32, 32, 1), np.float32)).shape == (2, 32, 32, 3)
    assert generator(np.zeros((1, 20, 28, 1), np.float32)).shape == (1, 20, 28, 3)
    assert len([layer for layer in generator.layers if layer.name.endswith("_add")]) == 6
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in generator.layers)
    image = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    padded = ReflectionPadding2D(2)(image)
    np.testing.assert_array_equal(padded, np.pad(image, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect"))
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.build_resnet_generator(input_shape=(30, 30, 1), output_channels=1)


def test_instance_normalization_normalises_each_image_and_channel_alone():
    from ganzoo.networks.initializers import InitializerSeeds
    from ganzoo.networks.layers import normalization_layer

    layer = normalization_layer("instance", InitializerSeeds(0), "norm")
    x = np.random.default_rng(0).normal(3.0, 2.0, (2, 6, 6, 3)).astype(np.float32)
    y = layer(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1, atol=1e-3)
    with pytest.raises(ValueError, match="normalization must be"):
        normalization_layer("group", InitializerSeeds(0), "norm")
