"""The shared two-player update: who moves when, on which data, and reproducibly."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.trainers import GAN
from tests.conftest import changed, variables_snapshot


class RecordingGAN(GAN):
    """Records the player and the real minibatch of every update (run eagerly)."""

    def run_phase(self, phase, real_minibatch):
        self.updates.append((phase.player, np.array(real_minibatch)))
        return super().run_phase(phase, real_minibatch)


def test_k_discriminator_steps_each_see_a_fresh_real_minibatch(tiny_gan):
    model = tiny_gan(cls=RecordingGAN, discriminator_steps=3, run_eagerly=True)
    model.updates = []
    assert model.real_batch_size(4) == 12
    batch = np.arange(24, dtype=np.float32).reshape(12, 2)
    model.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0)

    assert [name for name, _ in model.updates] == ["discriminator"] * 3 + ["generator"]
    seen = [minibatch for name, minibatch in model.updates if name == "discriminator"]
    assert all(len(minibatch) == 4 for minibatch in seen)
    np.testing.assert_array_equal(np.concatenate(seen), batch)  # three different, disjoint minibatches
    assert int(model.player_optimizers["discriminator"].iterations) == 3
    assert int(model.player_optimizers["generator"].iterations) == 1


def test_each_player_updates_only_its_own_variables(tiny_gan):
    model = tiny_gan()
    real = tf.random.normal((16, 2))
    for player in model.players():
        others = [net for other in model.players() if other.name != player.name for net in other.networks]
        mine_before, others_before = variables_snapshot(player.networks), variables_snapshot(others)
        model.update_player(player, real)
        assert changed(mine_before, variables_snapshot(player.networks)) == set(mine_before), player.name
        assert not changed(others_before, variables_snapshot(others)), player.name


def test_fixed_seed_runs_are_identical_and_seeds_matter(tiny_gan):
    data = tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).normal(size=(64, 2)).astype("float32")).batch(16)

    def run(seed):
        model = tiny_gan(seed=seed)
        model.fit(data, epochs=2, verbose=0)
        return [v.numpy() for v in model.generator.weights + model.discriminator.weights]

    first, second, other = run(3), run(3), run(4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


class FixedNoiseGAN(GAN):
    """Deterministic latents built from tf.range: TF's stateless RNG on CPU draws different numbers
    under XLA than without, so comparing the update itself needs noise that does not come from it."""

    def sample_latents(self, batch_size, seed=None):
        grid = tf.reshape(tf.range(batch_size * self.latent_dim, dtype=tf.float32), (batch_size, self.latent_dim))
        return tf.sin(grid)


def test_jit_compiled_update_matches_plain_update(tiny_gan):
    batch = tf.data.Dataset.from_tensors(np.random.default_rng(1).normal(size=(16, 2)).astype("float32"))
    sgd = lambda: {"generator": keras.optimizers.SGD(0.1), "discriminator": keras.optimizers.SGD(0.1)}  # noqa: E731
    plain = tiny_gan(cls=FixedNoiseGAN, optimizers=sgd())
    compiled = tiny_gan(cls=FixedNoiseGAN, jit_compile=True, optimizers=sgd())
    plain.fit(batch, verbose=0)
    compiled.fit(batch, verbose=0)
    untrained = tiny_gan()
    for a, b, c in zip(plain.trainable_weights, compiled.trainable_weights, untrained.trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    assert any(not np.array_equal(a.numpy(), c.numpy())
               for a, c in zip(plain.trainable_weights, untrained.trainable_weights))


def test_jit_compiled_training_is_reproducible(tiny_gan):
    batch = tf.data.Dataset.from_tensors(np.random.default_rng(2).normal(size=(16, 2)).astype("float32"))
    runs = []
    for _ in range(2):
        model = tiny_gan(jit_compile=True)
        model.fit(batch, epochs=2, verbose=0)
        runs.append([w.numpy() for w in model.trainable_weights])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_seed_stream_state_is_saved_with_the_model(tiny_gan, tmp_path):
    model = tiny_gan()
    model.fit(tf.data.Dataset.from_tensors(tf.zeros((8, 2))), epochs=3, verbose=0)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(restored.draw_seed().numpy(), model.draw_seed().numpy())
    assert int(restored.player_optimizers["discriminator"].iterations) == 3  # optimiser state kept


def test_bad_arguments_give_clear_errors(tiny_gan):
    model = tiny_gan(discriminator_steps=4)
    with pytest.raises(ValueError, match="at least one example per inner step"):
        model.fit(tf.data.Dataset.from_tensors(tf.zeros((2, 2))), verbose=0)
    with pytest.raises(ValueError, match="sample weights"):
        model.fit(tf.data.Dataset.from_tensors((tf.zeros((8, 2)), tf.zeros(8), tf.ones(8))), verbose=0)
    with pytest.raises(ValueError, match=r"Received: \['critic'\]"):
        model.compile(optimizers={"critic": "adam"})
    with pytest.raises(ValueError, match="discriminator_steps=0"):
        tiny_gan(discriminator_steps=0)
    with pytest.raises(ValueError, match="Received: loss='hing'"):
        tiny_gan(loss="hing")


def test_uncompiled_trainer_saves_and_loads_without_optimisers(tmp_path):
    from ganzoo import networks

    model = GAN(networks.build_mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(4,), seed=0),
                networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(4,), seed=1), seed=0)
    model.save(tmp_path / "bare.keras")
    restored = keras.models.load_model(tmp_path / "bare.keras")
    assert not hasattr(restored, "player_optimizers")
    np.testing.assert_array_equal(restored.generate(3, seed=1), model.generate(3, seed=1))


@pytest.mark.parametrize("entry, overrides", [
    ("dcgan-digits", {"model.generator.width": 4, "model.discriminator.width": 4, "data.image_size": 8,
                      "model.latent_dim": 4, "data.batch_size": 8}),  # batch norm statistics
    ("cyclegan-digits", {"model.generator.width": 4, "model.generator.blocks": 1, "model.discriminator.width": 4,
                         "data.image_size": 16, "model.discriminator.receptive_field": 16,
                         "data.batch_size": 4}),  # image pools
])
def test_evaluate_reports_the_players_losses_and_changes_nothing(entry, overrides):
    """`model.evaluate` and `fit(validation_data=...)` compute the losses without updating anything:
    a run with validation trains exactly as one without."""
    import ganzoo
    from ganzoo.zoo.registry import training_dataset

    config = ganzoo.get_config(entry, overrides)
    data = training_dataset(config, ganzoo.zoo.build_from_config(config), shuffle=False).take(3)
    plain, validated = (ganzoo.zoo.build_from_config(config) for _ in range(2))
    plain.fit(data, epochs=2, verbose=0)
    history = validated.fit(data, epochs=2, verbose=0, validation_data=data)
    assert {f"val_{name}" for name in plain.trackers} <= set(history.history)
    for a, b in zip(plain.variables, validated.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    logs = validated.evaluate(data, verbose=0, return_dict=True)
    assert set(logs) == set(validated.trackers) and all(np.isfinite(value) for value in logs.values())
    assert logs["d_loss"] != history.history["d_loss"][-1]  # measured now, not the training average
    for a, b in zip(plain.variables, validated.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_networks_without_known_shapes_are_refused_with_what_to_build():
    from ganzoo.trainers import BiGAN, CycleGAN, Pix2Pix

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__(name="hand_written")
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    functional = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    unbuilt = keras.Sequential([keras.layers.Dense(2)], name="no_input")
    for build, role in ((lambda: GAN(generator=Subclassed(), discriminator=functional), "generator"),
                        (lambda: GAN(generator=functional, discriminator=unbuilt), "discriminator"),
                        (lambda: BiGAN(functional, functional, Subclassed()), "encoder"),
                        (lambda: Pix2Pix(unbuilt, functional), "generator"),
                        (lambda: CycleGAN(functional, functional, functional, Subclassed()), "discriminator_b")):
        with pytest.raises(ValueError, match=rf"'s {role} must be a functional Keras model \(keras.Model\(inputs, "
                                             rf"outputs\), or a Sequential that starts with keras.Input\)"):
            build()
    with pytest.raises(ValueError, match="GAN's generator must be a keras.Model. Received: function"):
        GAN(generator=lambda z: z, discriminator=functional)
