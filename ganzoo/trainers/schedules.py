"""Learning-rate schedules used by zoo recipes."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ganzoo")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`learning_rate` for `constant_steps` updates, then linearly down to 0 over `decay_steps`
    (the schedule of CycleGAN, Zhu et al. 2017, section 4; also used to settle GANs on 2D mixtures)."""

    def __init__(self, learning_rate, constant_steps, decay_steps):
        if constant_steps < 0 or decay_steps < 1:
            raise ValueError(f"Need constant_steps >= 0 and decay_steps >= 1. Received: "
                             f"constant_steps={constant_steps}, decay_steps={decay_steps}")
        self.learning_rate = float(learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        progress = (ops.cast(step, "float32") - self.constant_steps) / self.decay_steps
        return self.learning_rate * (1.0 - ops.clip(progress, 0.0, 1.0))

    def get_config(self):
        return {"learning_rate": self.learning_rate, "constant_steps": self.constant_steps,
                "decay_steps": self.decay_steps}
