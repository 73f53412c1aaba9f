import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.trainers.schedules import ConstantThenLinearDecay


def test_constant_then_linear_decay_to_zero_and_serialisation():
    schedule = ConstantThenLinearDecay(1e-3, constant_steps=10, decay_steps=20)
    values = [float(schedule(step)) for step in (0, 10, 20, 30, 40)]
    np.testing.assert_allclose(values, [1e-3, 1e-3, 5e-4, 0.0, 0.0], atol=1e-9)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert float(restored(20)) == pytest.approx(5e-4)
    with pytest.raises(ValueError, match="decay_steps=0"):
        ConstantThenLinearDecay(1e-3, 0, 0)


def test_zoo_decay_counts_each_players_updates():
    # ring: 50,000 points / (2 x 64) per step = 390 steps per epoch; 2 epochs; k = 2 for the discriminator.
    model = ganzoo.build("gan-ring", **{"data.batch_size": 64, "training.epochs": 2, "model.discriminator_steps": 2,
                                        "optimizer.generator.decay_start": 0.25})
    g_schedule = model.player_optimizers["generator"]._learning_rate
    d_schedule = model.player_optimizers["discriminator"]._learning_rate
    assert (g_schedule.constant_steps, g_schedule.decay_steps) == (195, 585)
    assert (d_schedule.constant_steps + d_schedule.decay_steps) == 2 * 780
