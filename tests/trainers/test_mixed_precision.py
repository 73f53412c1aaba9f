"""Mixed precision that really computes in low precision, for every game type, with float32 variables
and outputs; float16 loss scaling that rescues gradients which would underflow."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import precision
from ganzoo.networks.equalized import EqualizedConv2D, EqualizedDense
from ganzoo.networks.stylegan2 import SynthesisLayer, ToRGB
from ganzoo.zoo.registry import build_from_config, training_dataset
from tests.zoo.test_registry import ENTRIES, _tiny_config

#: One zoo entry per game type.
GAME_ENTRIES = {"gan": "gan-ring", "dcgan": "dcgan-digits", "wgan_gp": "wgan-gp-digits", "cgan": "cgan-digits",
                "bigan": "bigan-digits", "pix2pix": "pix2pix-edges2digits", "cyclegan": "cyclegan-digits"}
LOW = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}
#: Layers that hold the multiply-adds.
COMPUTING_LAYERS = (keras.layers.Conv2D, keras.layers.Dense, EqualizedConv2D, EqualizedDense, SynthesisLayer, ToRGB)


def _one_step(entry, policy):
    config = ganzoo.get_config(entry, {**_flat(_tiny_config(entry)), "training.precision": policy})
    model = build_from_config(config)
    history = model.fit(training_dataset(config, model), epochs=1, steps_per_epoch=1, verbose=0)
    return model, history.history


def _flat(config, prefix=""):
    """A validated config as dotted overrides (to re-apply it with one key changed)."""
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        elif key != "description":
            flat[f"{prefix}{key}"] = value
    return flat


def _check_low_precision(model, history, policy):
    assert all(np.isfinite(values[-1]) for values in history.values()), history
    computing = [layer for network in (p for player in model.players() for p in player.networks)
                 for layer in network._flatten_layers(include_self=False)  # nested sub-models too (StyleGAN2)
                 if isinstance(layer, COMPUTING_LAYERS)]
    assert computing and all(layer.compute_dtype == LOW[policy] for layer in computing)
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    for name in model.inference_networks:
        network = model.inference_network(name)
        assert all(output.dtype == "float32" for output in network.outputs), name
    if policy == "mixed_float16":
        assert all(isinstance(opt, keras.optimizers.LossScaleOptimizer) for opt in model.player_optimizers.values())


@pytest.mark.parametrize("policy", sorted(LOW))
@pytest.mark.parametrize("game", sorted(GAME_ENTRIES))
def test_every_game_trains_a_step_in_low_precision(game, policy):
    model, history = _one_step(GAME_ENTRIES[game], policy)
    _check_low_precision(model, history, policy)
    assert keras.mixed_precision.global_policy().name == "float32"  # building did not leave the policy set


@pytest.mark.slow
@pytest.mark.parametrize("policy", sorted(LOW))
@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_trains_a_step_in_low_precision(entry, policy):
    _check_low_precision(*_one_step(entry, policy), policy)


def test_float16_loss_scaling_keeps_gradients_that_would_underflow():
    """A loss of 1e-9 * D(x): in float16 its gradient (1e-9 < float16's smallest subnormal, 6e-8)
    reaches D's layers as zero; the scaled update moves D."""
    with precision.dtype_policy("mixed_float16"):
        generator = ganzoo.networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(4,), seed=0)
        discriminator = ganzoo.networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(4,), seed=1)
    model = ganzoo.GAN(precision.with_float32_outputs(generator), precision.with_float32_outputs(discriminator), seed=0)
    model.compile(optimizers={"discriminator": keras.optimizers.SGD(1e3)})
    tiny = lambda real: (1e-9 * tf.reduce_sum(model.discriminator(real, training=True)), {})  # noqa: E731
    real = tf.ones((4, 2))
    kernel = model.discriminator.trainable_variables[0]
    with tf.GradientTape() as tape:
        loss, _ = tiny(real)
    assert not np.any(tape.gradient(loss, kernel).numpy())  # underflowed: an unscaled step would do nothing
    before = kernel.numpy().copy()
    model.run_phase(ganzoo.trainers.Phase("discriminator", tiny), real)
    assert np.any(kernel.numpy() != before)


def test_a_network_with_low_precision_outputs_is_refused():
    with precision.dtype_policy("mixed_bfloat16"):
        generator = ganzoo.networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(4,), seed=0)
    discriminator = ganzoo.networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(4,), seed=1)
    with pytest.raises(ValueError, match=r"outputs must be float32.*Received: outputs of dtype \['bfloat16'\]"):
        ganzoo.GAN(generator, discriminator)
