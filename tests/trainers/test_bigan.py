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
    assert not changed(before, variables_snapshot([model.encoder, model.generator]))
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


def test_separate_scores_judge_x_alone_z_alone_and_the_pair_each_as_its_own_decision():
    """BigBiGAN's discriminator: s_x depends on x only, s_z on z only, s_xz on both; the adversarial
    loss scores each column as a real/fake decision of its own (the mean of the three losses)."""
    discriminator = networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=2, hidden_units=(8,),
                                                           separate_scores=True, z_hidden_units=(8,), seed=2)
    x, z = REAL[:4], tf.random.stateless_uniform((4, 2), [5, 6], -1, 1)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        scores = discriminator([x, z])
        columns = [scores[:, column] for column in range(3)]
    assert scores.shape == (4, 3)
    moved = [[float(tf.reduce_max(tf.abs(tape.gradient(column, part)))) > 0 for part in (x, z)] for column in columns]
    assert moved == [[True, False], [False, True], [True, True]]
    model = BiGAN(networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(8,), seed=0),
                  discriminator, networks.build_mlp_encoder(input_shape=(2,), latent_dim=2, hidden_units=(8,), seed=1),
                  seed=0)
    loss, logs, _, real_logits, fake_logits = _objective_and_pair_logits(model, model.discriminator_objective)
    per_score = [ops.mean(ops.softplus(-real_logits[:, c])) + ops.mean(ops.softplus(fake_logits[:, c])) for c in range(3)]
    np.testing.assert_allclose(loss, np.mean(per_score), rtol=1e-5)
    with pytest.raises(ValueError, match="separate_scores and minibatch_std"):
        networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=2, separate_scores=True, minibatch_std=True)


def test_r1_on_the_joint_input_penalises_the_gradient_in_x_and_in_z_of_data_pairs():
    model = _model(r1_gamma=4.0, r1_every=2)
    assert [(phase.player, phase.every) for phase in model.phases()] == [
        ("discriminator", 1), ("discriminator", 2), ("generator", 1)]
    value, logs = model.r1_objective(REAL)
    encoded = model.encoder(REAL)
    with tf.GradientTape() as tape:
        tape.watch([REAL, encoded])
        total = tf.reduce_sum(model.discriminator([REAL, encoded]))
    grad_x, grad_z = tape.gradient(total, [REAL, encoded])
    expected = tf.reduce_mean(tf.reduce_sum(tf.square(grad_x), 1) + tf.reduce_sum(tf.square(grad_z), 1))
    np.testing.assert_allclose(logs["r1_penalty"], expected, rtol=1e-5)
    np.testing.assert_allclose(value, expected * 4.0 / 2.0 * 2, rtol=1e-5)  # gamma / 2, times the interval
    before = variables_snapshot([model.encoder, model.generator])
    model.fit(tf.data.Dataset.from_tensors(REAL), epochs=1, verbose=0)
    assert "r1_penalty" in [metric.name for metric in model.metrics]
    again = BiGAN.from_config(model.get_config())
    assert (again.r1_gamma, again.r1_every) == (4.0, 2)
    assert changed(before, variables_snapshot([model.encoder, model.generator]))
    with pytest.raises(ValueError, match="r1_gamma must be a number >= 0"):
        _model(r1_gamma=-1.0)
