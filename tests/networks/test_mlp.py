"""MLP options: the discriminators' dropout (ALI's joint discriminator uses 0.2), active only in
training calls, seeded by the network's seed, accepted by the plain and the joint builders and the
config; the encoder's batch norm (the BiGAN paper's networks), batch statistics in training only."""

import keras
import numpy as np

import ganzoo
from ganzoo import networks


def test_dropout_acts_in_training_only_and_follows_the_seed():
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    build = lambda: networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(32, 32), dropout=0.5, seed=3)  # noqa: E731
    first, second = build(), build()
    np.testing.assert_allclose(first(x, training=True), second(x, training=True), atol=1e-6)  # same seed, same masks
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in first.layers) == 2
    np.testing.assert_allclose(first(x, training=False), first(x, training=False))
    assert np.abs(first(x, training=True) - first(x, training=False)).max() > 1e-4
    plain = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(32, 32), seed=3)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in plain.layers)
    joint = networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=3, hidden_units=(8,), dropout=0.2)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in joint.layers)
    model = ganzoo.build("bigan-ring", compile=False, **{"model.discriminator.dropout": 0.2})
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.discriminator.layers)


def test_encoder_batch_norm_uses_batch_statistics_in_training_only():
    x = np.random.default_rng(0).normal(loc=3.0, size=(32, 4)).astype(np.float32)
    encoder = networks.build_mlp_encoder(input_shape=(4,), latent_dim=2, hidden_units=(16, 16), batch_norm=True, seed=1)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in encoder.layers) == 2
    # In training each example's code depends on the rest of the batch; in inference it does not.
    alone, in_batch = encoder(x[:1], training=True), encoder(x, training=True)[:1]
    assert np.abs(np.asarray(alone) - np.asarray(in_batch)).max() > 1e-3
    np.testing.assert_allclose(encoder(x[:1], training=False), encoder(x, training=False)[:1], atol=1e-5)
    plain = networks.build_mlp_encoder(input_shape=(4,), latent_dim=2, hidden_units=(16, 16), seed=1)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)
    model = ganzoo.build("bigan-ring", compile=False, **{"model.encoder.batch_norm": True})
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.encoder.layers)
