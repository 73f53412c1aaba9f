"""Phases: several objectives per player on a schedule, counted honestly on every execution path.

The test game is registered through the zoo like any entry and built from a YAML file: a critic with
two phases (its loss every step, a lazy penalty every 4 steps, sharing the critic's optimiser) and a
generator, with player names the stock games do not use.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
import yaml

import ganzoo
from ganzoo.trainers import Phase, Player
from tests.conftest import DataTiedNoiseGAN
from ganzoo.zoo import model_types
from ganzoo.zoo.registry import build_from_config, training_dataset

STEPS, EVERY = 9, 4


@keras.saving.register_keras_serializable(package="ganzoo_tests")
class ThreePhaseGAN(DataTiedNoiseGAN):
    """A critic loss, a lazy penalty E[D(x)^2] times its interval, and the generator loss. Training
    latents are computed from each real example, so all execution paths must train the same weights."""

    player_names = ("critic", "generator")

    def __init__(self, *args, penalty_every=EVERY, **kwargs):
        super().__init__(*args, **kwargs)
        self.penalty_every = penalty_every
        # Incremented inside the lazy objective: its count and a bitmask of the steps it ran on.
        self.penalty_runs = keras.Variable(0, dtype="int64", trainable=False, aggregation="only_first_replica")
        self.penalty_steps = keras.Variable(0, dtype="int64", trainable=False, aggregation="only_first_replica")

    def players(self):
        return [Player("critic", [self.discriminator]), Player("generator", [self.generator])]

    def phases(self):
        return [Phase("critic", self.discriminator_objective, self.discriminator_steps),
                Phase("critic", self.lazy_penalty, every=self.penalty_every),
                Phase("generator", self.generator_objective)]

    def lazy_penalty(self, real):
        self.penalty_runs.assign_add(1)
        self.penalty_steps.assign_add(tf.bitwise.left_shift(tf.constant(1, tf.int64), self.step_counter))
        return self.penalty_every * tf.reduce_mean(tf.square(self.discriminator(real, training=True))), {}

    def get_config(self):
        return {**super().get_config(), "penalty_every": self.penalty_every}


@pytest.fixture
def three_phase_entry(tmp_path):
    """The YAML of the test game, registered as model type `three_phase_gan` for the test's duration."""
    model_types.register_model_type("three_phase_gan", trainer=ThreePhaseGAN, architectures=("mlp",))
    config = {
        "description": "test game with a lazy phase",
        "model": {"type": "three_phase_gan", "latent_dim": 3, "generator": {"hidden_units": [8]},
                  "discriminator": {"hidden_units": [8]}},
        "data": {"name": "ring", "batch_size": 16, "num_samples": 16 * STEPS},
        "optimizer": {"critic": {"name": "sgd", "learning_rate": 0.05},
                      "generator": {"name": "sgd", "learning_rate": 0.05}},
        "training": {"epochs": 1, "seed": 0},
    }
    path = tmp_path / "three-phase-ring.yaml"
    path.write_text(yaml.safe_dump(config))
    yield path
    del model_types.MODEL_TYPES["three_phase_gan"]


def _train(path, strategy=None, jit_compile=False):
    """One epoch of the entry's own batches. They are read once into memory: a shuffled pipeline
    handed to a strategy is not guaranteed to yield the same order as without one."""
    config = ganzoo.get_config(str(path), {"training.jit_compile": jit_compile})
    with (strategy or tf.distribute.get_strategy()).scope():
        model = build_from_config(config)
    batches = np.concatenate(list(training_dataset(config, model).as_numpy_iterator()))
    model.fit(tf.data.Dataset.from_tensor_slices(batches).batch(config["data"]["batch_size"]), epochs=1, verbose=0,
              shuffle=False)
    return model


def _check_counts(model):
    assert len(model.phases()) == 3 and [p.every for p in model.phases()] == [1, EVERY, 1]
    assert sorted(model.player_optimizers) == ["critic", "generator"]  # one optimiser per player
    assert int(model.step_counter.numpy()) == STEPS
    assert int(model.penalty_runs.numpy()) == 3
    assert int(model.penalty_steps.numpy()) == 2 ** 0 + 2 ** 4 + 2 ** 8  # steps 0, 4 and 8 only
    assert int(model.player_optimizers["critic"].iterations.numpy()) == STEPS + 3  # the lazy phase shares it
    assert int(model.player_optimizers["generator"].iterations.numpy()) == STEPS


def test_config_sections_come_from_the_trainers_players(three_phase_entry):
    config = ganzoo.get_config(str(three_phase_entry))
    assert sorted(config["optimizer"]) == ["critic", "generator"]
    with pytest.raises(ganzoo.GanzooError, match="Unknown config key 'optimizer.discriminator.learning_rate'"):
        ganzoo.get_config(str(three_phase_entry), {"optimizer.discriminator.learning_rate": 1e-3})


def test_lazy_phase_runs_on_its_steps_only_plainly_jit_compiled_and_mirrored(three_phase_entry, mirrored):
    plain = _train(three_phase_entry)
    compiled = _train(three_phase_entry, jit_compile=True)
    distributed = _train(three_phase_entry, strategy=mirrored)
    for model in (plain, compiled, distributed):
        _check_counts(model)
    untrained = build_from_config(ganzoo.get_config(str(three_phase_entry)))
    assert any(not np.allclose(a, b) for a, b in zip(plain.get_weights(), untrained.get_weights()))
    for other in (compiled, distributed):  # the same updates, lazy ones included, on every path
        for a, b in zip(plain.trainable_weights, other.trainable_weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)


def test_a_new_game_needs_no_edit_in_runs_evaluation_or_callbacks(three_phase_entry, tmp_path):
    run_dir = ganzoo.training.train(str(three_phase_entry), out=tmp_path / "run", verbose=0, image_every_steps=4,
                                    metrics_every_epochs=1)
    assert (run_dir / "samples.png").is_file() and list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    restored = ganzoo.run_folder.load_run(run_dir)
    assert type(restored) is ThreePhaseGAN and int(restored.step_counter.numpy()) == STEPS
    rows = ganzoo.evaluation.evaluate(run_dir, metrics=["modes"], n=100)
    assert {row["metric"] for row in rows} == {"modes_captured", "high_quality_fraction", "reverse_kl"}
