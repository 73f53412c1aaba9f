"""tf.distribute: a MirroredStrategy step over two logical CPUs (set up in conftest.py) equals the
single-device step, and every piece that keeps state inside `train_step` works under it."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import distribute, networks
from ganzoo.callbacks import GANTensorBoard
from ganzoo.trainers import GAN, WGANGP, CycleGAN
from tests.conftest import DataTiedNoiseGAN


def _mlp_pair():
    return (networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=0),
            networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=1))


def test_mirrored_step_equals_single_device_step(mirrored):
    def trained(strategy):
        with strategy.scope():
            model = DataTiedNoiseGAN(*_mlp_pair(), seed=0)
            model.compile(optimizers={"generator": keras.optimizers.SGD(0.5),
                                      "discriminator": keras.optimizers.SGD(0.5)})
        real = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
        history = model.fit(tf.data.Dataset.from_tensors(real), epochs=1, verbose=0)
        return model, history.history

    single, single_logs = trained(tf.distribute.get_strategy())
    multi, multi_logs = trained(mirrored)
    for a, b in zip(single.trainable_weights, multi.trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    np.testing.assert_allclose(single_logs["d_loss"][0], multi_logs["d_loss"][0], rtol=1e-4)


def test_the_tensorboard_callback_runs_under_the_strategy(mirrored, tmp_path):
    with mirrored.scope():
        plain = GAN(*_mlp_pair(), seed=0)
        plain.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((32, 2), np.float32)).batch(16)
    plain.fit(data, epochs=2, verbose=0, callbacks=[GANTensorBoard(
        tmp_path, image_every_steps=1, metrics_fn=lambda model: {"mean_x": float(model.generate(10, seed=0).mean())},
        metrics_every_epochs=1)])
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1


def test_wgan_gp_with_a_spectrally_normalised_critic_runs_under_the_strategy(mirrored):
    """The gradient penalty's nested tape and spectral norm's u updates, per replica."""
    with mirrored.scope():
        critic = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), spectral_norm=True, seed=1)
        wgan = WGANGP(_mlp_pair()[0], critic, discriminator_steps=2, seed=0)
        wgan.compile()
    u_before = np.array(critic.get_layer("discriminator_logit").vector_u)
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    logs = wgan.fit(tf.data.Dataset.from_tensor_slices(points).batch(32), epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in logs.values()) and logs["gradient_penalty"][0] > 0, logs
    assert not np.array_equal(u_before, np.array(critic.get_layer("discriminator_logit").vector_u))


def test_cyclegan_with_history_pools_runs_under_the_strategy(mirrored):
    """Two generators, two discriminators and the history pools, per replica."""
    def resnet(seed, name):
        return networks.build_resnet_generator(input_shape=(16, 16, 1), output_channels=1, width=4, blocks=1,
                                               seed=seed, name=name)

    def patch(seed, name):
        return networks.build_patchgan_discriminator(image_shape=(16, 16, 1), receptive_field=16, width=4,
                                                     normalization="instance", seed=seed, name=name)

    with mirrored.scope():
        cyclegan = CycleGAN(resnet(0, "generator"), resnet(1, "inverse_generator"), patch(2, "discriminator_a"),
                            patch(3, "discriminator_b"), pool_size=6, seed=0)
        cyclegan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1)).astype("float32")
    before = np.array(cyclegan.inverse_generator.trainable_weights[0])
    logs = cyclegan.fit(tf.data.Dataset.from_tensor_slices((images, -images)).batch(8), epochs=2, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values()), logs
    assert int(cyclegan.pool_a.count.numpy()) == 6
    assert not np.array_equal(before, np.array(cyclegan.inverse_generator.trainable_weights[0]))


def test_strategy_names_are_checked():
    assert distribute.num_replicas() == 1
    with pytest.raises(ValueError, match="Received: strategy='gpu'"):
        distribute.get_strategy("gpu")
