"""The exponential moving average of the inference networks: the stated formula step by step, saved
and restored, and used by `generate`."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.trainers import ExponentialMovingAverage


def _weights(network):
    return [np.array(v.numpy()) for v in network.trainable_variables]


def _fit_steps(model, steps, batch=8):
    data = np.random.default_rng(0).normal(size=(steps * batch, 2)).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices(data).batch(batch), epochs=1, verbose=0, shuffle=False)


class StepRecorder(keras.callbacks.Callback):
    """The live generator's weights after every training step."""

    def on_train_batch_end(self, batch, logs=None):
        self.after.append(_weights(self.model.generator))


def test_constant_decay_follows_the_formula_step_by_step(tiny_gan):
    model = tiny_gan(ema={"decay": 0.9})
    expected = _weights(model.generator)
    recorder = StepRecorder()
    recorder.after = []
    data = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0, shuffle=False,
              callbacks=[recorder])
    for live in recorder.after:  # w_ema <- 0.9 w_ema + 0.1 w, after each step's updates
        expected = [0.9 * e + 0.1 * w for e, w in zip(expected, live)]
    for a, b in zip(_weights(model.ema.copies["generator"]), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(expected, recorder.after[-1]))  # it lags the live G


def test_half_life_with_ramp_is_stylegan2s_beta():
    ema = ExponentialMovingAverage({}, half_life_kimg=10.0, ramp=0.05)
    assert float(ema.beta(0, 32)) == 0.0  # no images seen: the copy starts as the live network
    # step 100 at batch 32: images seen 3200, ramp -> ema_nimg = 160 < 10,000
    assert float(ema.beta(100, 32)) == pytest.approx(0.5 ** (32 / 160), rel=1e-6)
    assert float(ema.beta(10 ** 6, 32)) == pytest.approx(0.5 ** (32 / 10_000), rel=1e-6)
    assert float(ExponentialMovingAverage({}, half_life_kimg=10.0).beta(0, 32)) == pytest.approx(0.5 ** 0.0032)


def test_ema_is_saved_restored_and_used_by_generate(tiny_gan, tmp_path):
    model = tiny_gan(ema={"decay": 0.5})
    _fit_steps(model, 4)
    ema_samples = model.generate(5, seed=3)
    live = np.asarray(model.generator(model.sample_latents(5, seed=3)))
    np.testing.assert_allclose(ema_samples, np.asarray(model.ema.copies["generator"](model.sample_latents(5, seed=3))),
                               atol=1e-6)
    assert not np.allclose(ema_samples, live)
    model.save(tmp_path / "ema.keras")
    restored = keras.models.load_model(tmp_path / "ema.keras")
    np.testing.assert_array_equal(restored.generate(5, seed=3), ema_samples)
    assert int(restored.step_counter.numpy()) == 4
    for a, b in zip(_weights(restored.ema.copies["generator"]), _weights(model.ema.copies["generator"])):
        np.testing.assert_array_equal(a, b)


def test_ema_from_a_config_and_bad_settings():
    model = ganzoo.build("gan-ring", **{"model.ema.decay": 0.99, "model.generator.hidden_units": [8],
                                        "model.discriminator.hidden_units": [8]})
    assert model.ema is not None and model.ema.decay == 0.99
    with pytest.raises(ganzoo.GanzooError, match="exactly one of decay or half_life_kimg"):
        ganzoo.build("gan-ring", **{"model.ema.decay": 0.99, "model.ema.half_life_kimg": 10.0})
    with pytest.raises(ValueError, match=r"Received: decay=1\.5"):
        ExponentialMovingAverage.validate({"decay": 1.5})


def test_ema_under_mirrored_strategy_equals_the_single_device_average(mirrored):
    """The copies are mirrored variables, updated in cross-replica context with the global batch."""
    from ganzoo import networks
    from tests.conftest import DataTiedNoiseGAN

    def trained(strategy):
        with strategy.scope():
            model = DataTiedNoiseGAN(
                networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=0),
                networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=1), seed=0,
                ema={"half_life_kimg": 0.01, "ramp": 1.0})
            model.compile(optimizers={"generator": keras.optimizers.SGD(0.1),
                                      "discriminator": keras.optimizers.SGD(0.1)})
        _fit_steps(model, 4, batch=16)
        return model

    single, multi = trained(tf.distribute.get_strategy()), trained(mirrored)
    averaged = _weights(multi.ema.copies["generator"])
    for a, b in zip(_weights(single.ema.copies["generator"]), averaged):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(averaged, _weights(multi.generator)))
