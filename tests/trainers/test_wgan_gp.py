"""WGAN-GP: the paper's defaults, the penalty inside the critic's objective, no batch norm in the critic."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.regularizers import gradient_penalty, interpolate
from ganzoo.trainers import GAN, WGANGP


def _networks(**critic_options):
    generator = networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=0)
    critic = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=1, **critic_options)
    return generator, critic


def test_defaults_are_the_papers():
    model = WGANGP(*_networks())
    model.compile()
    assert (model.loss, model.discriminator_steps, model.gradient_penalty_weight) == ("wasserstein", 5, 10.0)
    for optimizer in model.player_optimizers.values():
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)
    assert model.real_batch_size(64) == 320


def test_critic_objective_is_wasserstein_loss_plus_lambda_times_the_penalty():
    model = WGANGP(*_networks(), seed=3)
    model.compile()
    real = tf.random.stateless_normal((8, 2), [1, 2])
    seed_state = np.array(model.seed_generator.state)
    loss, logs = model.discriminator_objective(real)

    model.seed_generator.state.assign(seed_state)  # replay the same latents and interpolation weights
    fake = model.generator(model.sample_latents(8))
    points = interpolate(real, fake, model.draw_seed())
    penalty = gradient_penalty(model.discriminator, points)
    wasserstein = tf.reduce_mean(model.discriminator(fake)) - tf.reduce_mean(model.discriminator(real))
    np.testing.assert_allclose(logs["gradient_penalty"], penalty, rtol=1e-5)
    np.testing.assert_allclose(loss, wasserstein + 10.0 * penalty, rtol=1e-5)
    np.testing.assert_allclose(logs["wasserstein_estimate"], -wasserstein, rtol=1e-5)


def test_critic_with_batch_norm_is_refused():
    generator = networks.build_dcgan_generator(latent_dim=4, image_shape=(16, 16, 1), width=4)
    critic = networks.build_dcgan_discriminator(image_shape=(16, 16, 1), width=4, normalization="batch")
    with pytest.raises(ValueError, match="must not use batch normalisation"):
        WGANGP(generator, critic)
    WGANGP(generator, networks.build_dcgan_discriminator(image_shape=(16, 16, 1), width=4, normalization="layer"))


def test_any_gan_can_use_the_penalty_and_it_reports_it():
    model = GAN(*_networks(), loss="hinge", gradient_penalty_weight=1.0, seed=0)
    model.compile(jit_compile=True)
    data = tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).normal(size=(64, 2)).astype("float32"))
    history = model.fit(data.batch(16), epochs=1, verbose=0, shuffle=False).history
    assert history["gradient_penalty"][0] > 0 and np.isfinite(history["d_loss"][0])
    assert "gradient_penalty" not in GAN(*_networks()).trackers
    with pytest.raises(ValueError, match="Received: gradient_penalty_weight=-1"):
        GAN(*_networks(), gradient_penalty_weight=-1)


def test_wgan_gp_on_images_with_a_spectral_packed_critic_round_trips(tmp_path):
    generator = networks.build_dcgan_generator(latent_dim=4, image_shape=(8, 8, 1), width=4, seed=0)
    critic = networks.build_dcgan_discriminator(image_shape=(8, 8, 1), width=4, normalization="none",
                                                spectral_norm=True, packing=2, seed=1)
    model = WGANGP(generator, critic, discriminator_steps=2, seed=0)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, size=(32, 8, 8, 1)).astype("float32")
    history = model.fit(tf.data.Dataset.from_tensor_slices(images).batch(16), epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["gradient_penalty"][0])
    model.save(tmp_path / "wgan.keras")
    restored = keras.models.load_model(tmp_path / "wgan.keras")
    assert type(restored) is WGANGP and restored.gradient_penalty_weight == 10.0
    np.testing.assert_allclose(restored.generate(3, seed=1), model.generate(3, seed=1), atol=1e-6)


def test_critic_trained_alone_reaches_the_penalised_optimum():
    """With G fixed at the origin and data at (3, 4), a 1-Lipschitz critic's best gap is W1 = L = 5.
    The penalty is soft: a critic of slope s along the segment gains L * s - lambda * (s - 1)^2, which
    is largest at s = 1 + L / (2 lambda) = 1.25, a gap of 6.25 and a penalty of 0.0625."""
    z = keras.Input((2,))
    origin = keras.layers.Dense(2, kernel_initializer="zeros", bias_initializer="zeros")(z)  # never updated
    generator = keras.Model(z, origin)
    critic = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(32, 32), seed=1)
    model = WGANGP(generator, critic, seed=0)
    model.compile(optimizers={"discriminator": keras.optimizers.Adam(3e-3, 0.0, 0.9)})
    critic_player = model.players()[0]

    @tf.function
    def critic_step(real):
        return model.update_player(critic_player, real)

    rng = np.random.default_rng(0)
    for _ in range(1500):
        logs = critic_step((rng.normal(size=(64, 2)) * 0.01 + [3.0, 4.0]).astype("float32"))
    assert float(logs["wasserstein_estimate"]) == pytest.approx(6.25, rel=0.05)
    assert float(logs["gradient_penalty"]) == pytest.approx(0.0625, abs=0.03)
