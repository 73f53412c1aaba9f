"""Pix2Pix and CycleGAN: objectives replayed by hand, the pool inside train_step, inference modes,
round trips and bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.trainers import CycleGAN, Pix2Pix

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (8, 16, 16, 1)).astype(np.float32)
Y = RNG.uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)


def _softplus(v):
    return np.logaddexp(0.0, np.asarray(v, np.float64))


def make_pix2pix(dropout=0.5, **kwargs):
    generator = networks.build_unet_generator(input_shape=(16, 16, 1), output_channels=3, width=4, dropout=dropout,
                                              seed=0)
    discriminator = networks.build_patchgan_discriminator(image_shape=(16, 16, 3), condition_channels=1,
                                                          receptive_field=16, width=4, seed=1)
    model = Pix2Pix(generator, discriminator, seed=0, **kwargs)
    model.compile()
    return model


def make_cyclegan(channels_b=1, **kwargs):
    def generator(source, target, seed, name):
        return networks.build_resnet_generator(input_shape=(16, 16, source), output_channels=target, width=4,
                                               blocks=1, seed=seed, name=name)

    def discriminator(channels, seed, name):
        return networks.build_patchgan_discriminator(image_shape=(16, 16, channels), receptive_field=16, width=4,
                                                     normalization="instance", seed=seed, name=name)

    model = CycleGAN(generator(1, channels_b, 0, "generator"), generator(channels_b, 1, 1, "inverse_generator"),
                     discriminator(1, 2, "discriminator_a"), discriminator(channels_b, 3, "discriminator_b"),
                     seed=0, **kwargs)
    model.compile()
    return model


def test_pix2pix_objectives_are_the_papers_on_the_right_pairs():
    model = make_pix2pix(dropout=0.0)
    fake = model.generator(X, training=True).numpy()
    real_logits = model.discriminator([X, Y], training=True).numpy()
    fake_logits = model.discriminator([X, fake], training=True).numpy()
    d_loss, d_logs = model.discriminator_objective((tf.constant(X), tf.constant(Y)))
    np.testing.assert_allclose(d_loss, _softplus(-real_logits).mean() + _softplus(fake_logits).mean(), rtol=1e-5)
    g_loss, g_logs = model.generator_objective((tf.constant(X), tf.constant(Y)))
    l1 = np.abs(Y - fake).mean()
    np.testing.assert_allclose(g_logs["l1"], l1, rtol=1e-5)
    np.testing.assert_allclose(g_logs["g_adversarial"], _softplus(-fake_logits).mean(), rtol=1e-5)
    np.testing.assert_allclose(g_loss, _softplus(-fake_logits).mean() + 100.0 * l1, rtol=1e-5)


def test_the_l1_only_baseline_ignores_the_discriminator():
    model = make_pix2pix(dropout=0.0, adversarial_weight=0.0)
    batch = (tf.constant(X), tf.constant(Y))
    loss, logs = model.generator_objective(batch)
    np.testing.assert_allclose(loss, 100.0 * logs["l1"], rtol=1e-6)
    with tf.GradientTape() as tape:
        loss, _ = model.generator_objective(batch)
    gradients = tape.gradient(loss, model.discriminator.trainable_variables)
    assert all(g is None or not np.any(g.numpy()) for g in gradients)


def test_pix2pix_trains_and_reduces_l1_on_a_fixed_pair():
    model = make_pix2pix()
    model.compile(optimizers={"generator": keras.optimizers.Adam(2e-3, beta_1=0.5)})
    smooth = tf.image.resize(RNG.uniform(-1, 1, (8, 4, 4, 1)), (16, 16)).numpy().astype(np.float32)
    target = np.concatenate([smooth, -smooth, 0.5 * smooth], axis=-1)  # a colouring the U-Net can learn
    dataset = tf.data.Dataset.from_tensor_slices((smooth, target)).batch(8).repeat(20)
    history = model.fit(dataset, epochs=2, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert history["l1"][-1] < 0.6 * history["l1"][0]


def test_inference_modes_deterministic_and_paper():
    model = make_pix2pix()
    model.fit(tf.data.Dataset.from_tensor_slices((X, Y)).batch(4), epochs=1, verbose=0)
    deterministic = model.translate(X)
    np.testing.assert_allclose(deterministic, model.generator(X, training=False), atol=1e-6)
    np.testing.assert_array_equal(deterministic, model.translate(X, mode="deterministic"))
    state = [v.numpy().copy() for v in model.generator.non_trainable_variables]
    paper = model.translate(X, mode="paper")
    assert np.abs(paper - deterministic).mean() > 1e-3  # dropout and per-image statistics are on
    np.testing.assert_array_equal(paper, model.translate(X, mode="paper"))  # reproducible
    for before, variable in zip(state, model.generator.non_trainable_variables):
        np.testing.assert_array_equal(before, variable.numpy())  # moving averages untouched
    batched = model.translate(X, mode="paper", batch_size=4)  # batch norm over 4 test images, not 1
    assert batched.shape == paper.shape and np.abs(batched - paper).mean() > 1e-4
    np.testing.assert_allclose(model.translate(X, batch_size=3), deterministic, atol=1e-6)
    with pytest.raises(ValueError, match="batch_size must be a positive integer. Received: batch_size=0"):
        model.translate(X, mode="paper", batch_size=0)


def test_translate_pads_any_size_and_refuses_bad_images():
    model = make_pix2pix()
    odd = RNG.uniform(-1, 1, (2, 21, 35, 1)).astype(np.float32)
    assert model.translate(odd).shape == (2, 21, 35, 3)
    with pytest.raises(ValueError, match=r"takes images of shape \(n, height, width, 1\). Received: shape \(2, 16, 16, 3\)"):
        model.translate(Y[:2])
    with pytest.raises(ValueError, match=r"Expected pixel values in \[-1, 1\]. Received: values in \[0, 255\]"):
        model.translate(np.concatenate([np.zeros((1, 16, 16, 1)), np.full((1, 16, 16, 1), 255.0)]))
    with pytest.raises(ValueError, match="mode must be one of"):
        model.translate(X, mode="sampled")
    with pytest.raises(ValueError, match=r"direction must be one of \['forward'\]"):
        model.translate(X, direction="b_to_a")
    small = model.translate(X[:2, :7, :5])  # smaller than the padding it needs: padded in rounds
    assert small.shape == (2, 7, 5, 3) and np.isfinite(small).all()


@pytest.mark.parametrize("height, width", [(16, 16), (13, 21), (7, 5), (1, 3)])
def test_padding_to_a_multiple_reflects_once_where_it_can_and_keeps_the_image(height, width):
    from ganzoo.trainers.translation import pad_to_multiple

    images = tf.constant(RNG.uniform(-1, 1, (2, height, width, 3)).astype(np.float32))
    padded = pad_to_multiple(images, 16).numpy()
    assert padded.shape == (2, -(-height // 16) * 16, -(-width // 16) * 16, 3)
    np.testing.assert_array_equal(padded[:, :height, :width], images.numpy())
    if height > (-height) % 16 and width > (-width) % 16:  # one reflection suffices: exactly tf.pad's
        expected = tf.pad(images, [[0, 0], [0, (-height) % 16], [0, (-width) % 16], [0, 0]], mode="REFLECT")
        np.testing.assert_array_equal(padded, expected.numpy())
    assert set(np.unique(padded)) <= set(np.unique(images.numpy()))  # only the image's own pixels


def test_pix2pix_refuses_networks_that_do_not_fit():
    generator = networks.build_unet_generator(input_shape=(16, 16, 1), output_channels=1, width=4)
    discriminator = networks.build_patchgan_discriminator(image_shape=(16, 16, 3), condition_channels=1,
                                                          receptive_field=16, width=4)
    with pytest.raises(ValueError, match="maps 1 -> 1 channels but the discriminator judges 1-channel inputs with "
                                         "3-channel outputs"):
        Pix2Pix(generator, discriminator)
    unconditional = networks.build_patchgan_discriminator(image_shape=(16, 16, 1), receptive_field=16, width=4)
    with pytest.raises(ValueError, match="conditional"):
        Pix2Pix(generator, unconditional)
    with pytest.raises(ValueError, match=r"l1_weight must be a number >= 0. Received: l1_weight=-1"):
        Pix2Pix(generator, networks.build_patchgan_discriminator(image_shape=(16, 16, 1), condition_channels=1,
                                                                 receptive_field=16, width=4), l1_weight=-1)


def test_cyclegan_generator_objective_is_the_papers():
    model = make_cyclegan()
    a, b = tf.constant(X), tf.constant(-X[::-1])
    g, f = (lambda v: model.generator(v, training=True).numpy()), (lambda v: model.inverse_generator(v, training=True).numpy())
    fake_b, fake_a = g(a), f(b)
    adversarial = (np.mean((model.discriminator_b(fake_b, training=True).numpy() - 1) ** 2)
                   + np.mean((model.discriminator_a(fake_a, training=True).numpy() - 1) ** 2))
    cycle = np.abs(f(fake_b) - X).mean() + np.abs(g(fake_a) - b.numpy()).mean()
    identity = np.abs(g(b) - b.numpy()).mean() + np.abs(f(a) - X).mean()
    loss, logs = model.generator_objective((a, b))
    np.testing.assert_allclose(logs["g_adversarial"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(logs["cycle_loss"], cycle, rtol=1e-5)
    np.testing.assert_allclose(logs["identity_loss"], identity, rtol=1e-5)
    np.testing.assert_allclose(loss, adversarial + 10.0 * cycle + 5.0 * identity, rtol=1e-5)


def test_cyclegan_discriminators_judge_real_images_against_pooled_fakes():
    model = make_cyclegan(pool_size=0)  # no history: the fakes are this step's
    a, b = tf.constant(X), tf.constant(-X[::-1])
    fake_b = model.generator(a, training=True).numpy()
    fake_a = model.inverse_generator(b, training=True).numpy()

    def ls(real, fake):
        return 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake ** 2)

    expected = (ls(model.discriminator_a(a, training=True).numpy(), model.discriminator_a(fake_a, training=True).numpy())
                + ls(model.discriminator_b(b, training=True).numpy(), model.discriminator_b(fake_b, training=True).numpy()))
    loss, _ = model.discriminator_objective((a, b))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)

    pooled = make_cyclegan(pool_size=50)
    pooled.fit(tf.data.Dataset.from_tensor_slices((a, b)).batch(4), epochs=1, verbose=0)
    assert int(pooled.pool_a.count.numpy()) == int(pooled.pool_b.count.numpy()) == 8  # 2 steps x 4 fakes each
    stored_b = pooled.pool_b.stored.numpy()[:8]
    assert np.abs(stored_b).max() > 0 and np.abs(stored_b).max() <= 1  # generator outputs (tanh)


def test_cyclegan_round_trip_keeps_weights_pools_and_both_directions(tmp_path):
    model = make_cyclegan(pool_size=5)
    model.fit(tf.data.Dataset.from_tensor_slices((X, -X)).batch(4), epochs=1, verbose=0)
    model.save(tmp_path / "cyclegan.keras")
    restored = keras.models.load_model(tmp_path / "cyclegan.keras")
    for direction in ("a_to_b", "b_to_a"):
        np.testing.assert_allclose(restored.translate(X, direction=direction), model.translate(X, direction=direction),
                                   atol=1e-6)
    np.testing.assert_array_equal(restored.pool_b.stored.numpy(), model.pool_b.stored.numpy())
    assert int(restored.pool_a.count.numpy()) == 5


def test_cyclegan_refuses_identity_loss_across_channel_counts():
    with pytest.raises(ValueError, match="need the same channels. Received: 1 and 3; set identity_weight=0"):
        make_cyclegan(channels_b=3)
    model = make_cyclegan(channels_b=3, identity_weight=0.0)
    loss, logs = model.generator_objective((tf.constant(X), tf.constant(Y)))
    assert np.isfinite(loss) and float(logs["identity_loss"]) == 0.0
