"""MLP discriminators' dropout option (ALI's joint discriminator uses 0.2): active only in training
calls, seeded by the network's seed, accepted by the plain and the joint builders and the config."""

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
