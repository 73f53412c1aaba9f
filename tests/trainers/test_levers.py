"""The GAN family's throughput levers: one discriminator call on real and fake together (the same
update), and the generator step reusing the discriminator step's fakes (the documented update)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import networks
from ganzoo.trainers import GAN, BiGAN, StyleGAN2
from ganzoo.trainers.base import AdversarialTrainer

DATA = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")


class CountingGAN(GAN):
    """Records the batch size of every discriminator call (run eagerly)."""

    def discriminate(self, samples, condition, training=True):
        self.calls.append(int(samples.shape[0]))
        return super().discriminate(samples, condition, training)


def _weights(model):
    return [v.numpy() for v in model.generator.weights + model.discriminator.weights]


@pytest.mark.parametrize("loss, penalty", [("non_saturating", 0.0), ("wasserstein", 10.0)])
def test_single_discriminator_call_gives_the_update_of_two_calls(tiny_gan, loss, penalty):
    # SGD: Adam would turn the rounding noise of a gradient that is 0 in exact arithmetic (the critic's
    # output bias under the Wasserstein loss) into an update of lr * g / (|g| + eps)
    sgd = lambda: {"discriminator": keras.optimizers.SGD(0.05), "generator": keras.optimizers.SGD(0.05)}  # noqa: E731
    separate = tiny_gan(loss=loss, gradient_penalty_weight=penalty, optimizers=sgd())
    single = tiny_gan(loss=loss, gradient_penalty_weight=penalty, single_discriminator_call=True, optimizers=sgd())
    histories = [model.fit(DATA, batch_size=16, epochs=2, verbose=0, shuffle=False).history
                 for model in (separate, single)]
    for a, b in zip(_weights(separate), _weights(single)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for name, values in histories[0].items():
        np.testing.assert_allclose(values, histories[1][name], rtol=1e-5, atol=1e-6)


def test_single_discriminator_call_calls_the_discriminator_once_per_step(tiny_gan):
    for single, expected in ((False, [16, 16, 16]), (True, [32, 16])):
        model = tiny_gan(cls=CountingGAN, single_discriminator_call=single, run_eagerly=True)
        model.calls = []
        model.fit(DATA[:16], batch_size=16, epochs=1, verbose=0)
        assert model.calls == expected  # D step (real and fake), then the generator step's one call


@pytest.mark.parametrize("coupling", ["spectral_norm", "minibatch_std", "packing", "batch_norm"])
def test_single_discriminator_call_is_refused_where_it_would_change_the_update(coupling):
    generator = networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=0)
    if coupling == "batch_norm":
        discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                                          keras.layers.Dense(1)])
    else:
        discriminator = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=1,
                                                         **{coupling: 2 if coupling == "packing" else True})
    with pytest.raises(ValueError, match="single_discriminator_call=True would change the update: the "
                                         "discriminator's layers .* treat a call's examples together"):
        GAN(generator, discriminator, single_discriminator_call=True)
    GAN(generator, discriminator)  # the default keeps two calls


def test_reuse_forward_gives_the_documented_update(tiny_gan):
    """D's step on (real, G(z)); then G's step on D's logits of the same G(z), through the kept
    forward pass, with D already updated: no fresh latents."""
    optimizers = lambda: {"discriminator": keras.optimizers.SGD(0.1), "generator": keras.optimizers.SGD(0.1)}  # noqa: E731
    reusing = tiny_gan(reuse_forward=True, optimizers=optimizers())
    by_hand = tiny_gan(optimizers=optimizers())  # the same initial weights and seed stream
    plain = tiny_gan(optimizers=optimizers())
    real = tf.constant(DATA[:16])
    reusing.fit(real, batch_size=16, epochs=1, verbose=0)
    plain.fit(real, batch_size=16, epochs=1, verbose=0)

    generator, discriminator, family = by_hand.generator, by_hand.discriminator, by_hand.loss_family
    z = by_hand.sample_latents(16)  # the first draw of the seed stream: the D step's latents
    with tf.GradientTape() as tape:
        fake = tf.stop_gradient(generator(z, training=True))
        d_loss = family.discriminator_loss(discriminator(real, training=True), discriminator(fake, training=True))
    for variable, gradient in zip(discriminator.trainable_variables,
                                  tape.gradient(d_loss, discriminator.trainable_variables)):
        variable.assign_sub(0.1 * gradient)
    with tf.GradientTape() as tape:
        g_loss = family.generator_loss(discriminator(generator(z, training=True), training=True))
    for variable, gradient in zip(generator.trainable_variables, tape.gradient(g_loss, generator.trainable_variables)):
        variable.assign_sub(0.1 * gradient)

    for a, b in zip(_weights(reusing), _weights(by_hand)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # without reuse the generator's step draws fresh latents: another update
    assert any(not np.allclose(a, b, rtol=1e-5, atol=1e-7)
               for a, b in zip([v.numpy() for v in plain.generator.weights], [v.numpy() for v in generator.weights]))
    # the discriminator's step is Algorithm 1's either way
    for a, b in zip([v.numpy() for v in plain.discriminator.weights], [v.numpy() for v in discriminator.weights]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_reuse_forward_is_refused_by_games_that_share_no_forward_pass():
    class NoSharedPass(AdversarialTrainer):
        pass

    with pytest.raises(ValueError, match="NoSharedPass has no forward pass that two of its phases share"):
        NoSharedPass(reuse_forward=True)
    assert GAN.shares_forward_passes and not StyleGAN2.shares_forward_passes and not BiGAN.shares_forward_passes


def test_levers_are_config_keys_and_saved_with_the_model():
    model = ganzoo.build("gan-ring", **{"model.single_discriminator_call": True, "model.reuse_forward": True},
                         compile=False)
    assert model.single_discriminator_call and model.reuse_forward
    again = GAN.from_config(model.get_config())
    assert again.single_discriminator_call and again.reuse_forward
    default = ganzoo.build("gan-ring", compile=False)
    assert not default.single_discriminator_call and not default.reuse_forward
