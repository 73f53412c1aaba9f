"""BiGAN: which pairs D judges as real, who moves when, and the inversion helpers."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from ganzoo import networks
from ganzoo.trainers import BiGAN
from tests.conftest import changed, variables_snapshot


def _model(loss="non_saturating", **kwargs):
    generator = networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), seed=0)
    encoder = networks.build_mlp_encoder(input_shape=(2,), latent_dim=2, hidden_units=(8,), seed=1)
    discriminator = networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=2, hidden_units=(8,), seed=2)
    model = BiGAN(generator, discriminator, encoder, loss=loss, seed=0, **kwargs)
    model.compile()
    return model


REAL = tf.random.stateless_normal((16, 2), [3, 4])


def _objective_and_pair_logits(model, objective):
    """Runs `objective` on REAL, then replays its latents to compute D on (x, E(x)) and (G(z), z)."""
    state = np.array(model.seed_generator.state)
    value, logs = objective(REAL)
    model.seed_generator.state.assign(state)
    z = model.sample_latents(16)
    return value, logs, z, model.discriminator([REAL, model.encoder(REAL)]), model.discriminator([model.generator(z), z])


def test_discriminator_sees_data_with_its_encoding_as_real_and_generated_pairs_as_fake():
    model = _model()
    loss, logs, z, real_logits, fake_logits = _objective_and_pair_logits(model, model.discriminator_objective)
    expected = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    np.testing.assert_allclose(logs["d_real"], ops.mean(ops.sigmoid(real_logits)), rtol=1e-5)
    assert model.latent_distribution == "uniform" and float(tf.reduce_max(tf.abs(z))) <= 1.0


@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
def test_generator_side_loss_swaps_the_labels_or_ascends_v(loss):
    model = _model(loss)
    value, logs, _, real_logits, fake_logits = _objective_and_pair_logits(model, model.generator_objective)
    if loss == "minimax":
        expected = -(ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits)))
    else:
        expected = ops.mean(ops.softplus(-fake_logits)) + ops.mean(ops.softplus(real_logits))
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    reconstruction = model.generator(model.encoder(REAL))
    np.testing.assert_allclose(logs["x_reconstruction_error"], ops.mean(ops.square(reconstruction - REAL)), rtol=1e-5)


def test_encoder_moves_in_generator_steps_only():
    model = _model()
    players = {player.name: player for player in model.players()}
    before = variables_snapshot([model.encoder])
    model.update_player(players["discriminator"], REAL)
    assert not changed(before, variables_snapshot([model.encoder]))
    model.update_player(players["generator"], REAL)
    assert changed(before, variables_snapshot([model.encoder])) == set(before)


def test_inversion_helpers_and_round_trip(tmp_path):
    model = _model()
    x = np.asarray(REAL)
    assert model.encode(x).shape == (16, 2) and model.reconstruct(x).shape == (16, 2)
    path = model.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5, 2)
    np.testing.assert_allclose(path[[0, -1]], model.reconstruct(x[:2]), atol=1e-5)
    model.fit(tf.data.Dataset.from_tensors(x), epochs=1, verbose=0)
    model.save(tmp_path / "bigan.keras")
    restored = keras.models.load_model(tmp_path / "bigan.keras")
    np.testing.assert_allclose(restored.reconstruct(x), model.reconstruct(x), atol=1e-6)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="loss must be one of"):
        _model("hinge")
    with pytest.raises(ValueError, match="no gradient penalty"):
        _model(gradient_penalty_weight=1.0)
    generator = networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,))
    joint = networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=2, hidden_units=(8,))
    wrong_encoder = networks.build_mlp_encoder(input_shape=(2,), latent_dim=3, hidden_units=(8,))
    with pytest.raises(ValueError, match="encoder must map samples"):
        BiGAN(generator, joint, wrong_encoder)
    plain = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,))
    with pytest.raises(ValueError, match="judges pairs"):
        BiGAN(generator, plain, networks.build_mlp_encoder(input_shape=(2,), latent_dim=2))


def test_cycle_weights_add_both_reconstruction_errors_to_the_generator_side_loss():
    """The named option: G and E also minimise x_cycle_weight * ||G(E(x)) - x||^2 and
    z_cycle_weight * ||E(G(z)) - z||^2, with gradients through both networks of each cycle."""
    pure, cycled = _model(), _model(x_cycle_weight=2.0, z_cycle_weight=3.0)
    value, logs, z, real_logits, fake_logits = _objective_and_pair_logits(cycled, cycled.generator_objective)
    adversarial = ops.mean(ops.softplus(-fake_logits)) + ops.mean(ops.softplus(real_logits))
    x_error = ops.mean(ops.square(cycled.generator(cycled.encoder(REAL)) - REAL))
    z_error = ops.mean(ops.square(cycled.encoder(cycled.generator(z)) - z))
    np.testing.assert_allclose(value, adversarial + 2.0 * x_error + 3.0 * z_error, rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"], adversarial, rtol=1e-5)  # the adversarial part, as the pure game logs
    np.testing.assert_allclose(pure.generator_objective(REAL)[0], adversarial, rtol=1e-5)  # same weights and seeds

    def gradients(model):  # of the x-cycle term alone: an adversarial loss of 0 leaves only the cycles
        with tf.GradientTape() as tape:
            loss, logs = model.generator_objective(REAL)
            cycle = loss - logs["g_loss"]
        return tape.gradient(cycle, model.encoder.trainable_variables + model.generator.trainable_variables)

    assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in gradients(cycled))
    with pytest.raises(ValueError, match="x_cycle_weight must be a number >= 0"):
        _model(x_cycle_weight=-1.0)
    again = BiGAN.from_config(cycled.get_config())
    assert (again.x_cycle_weight, again.z_cycle_weight) == (2.0, 3.0)
