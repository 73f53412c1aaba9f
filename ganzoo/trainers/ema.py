"""An exponential moving average of networks' weights, as StyleGAN keeps of its generator.

After each training step every trainable weight of the copy moves toward the live network's:
    w_ema <- beta * w_ema + (1 - beta) * w
and non-trainable state (batch-norm statistics, spectral-norm vectors) is copied as it is. beta is
either a constant `decay`, or follows StyleGAN2's half-life in images (Karras et al. 2020; the
official code's `ema_kimg`, with the ramp-up of Karras et al. 2020b, ADA):
    ema_nimg = half_life_kimg * 1000, lowered to images_seen * ramp while that is smaller (ramp given)
    beta = 0.5 ** (global_batch / max(ema_nimg, 1e-8))
where images_seen = step * global_batch counts the images of the steps before this one. With a ramp
the copy therefore starts as the live network (beta = 0 at step 0).
"""

import keras
import tensorflow as tf

_SETTING_KEYS = {"decay", "half_life_kimg", "ramp"}


class ExponentialMovingAverage:
    """EMA copies of `networks` ({name: keras.Model}), made when the trainer is built.

    Exactly one of `decay` (in [0, 1)) or `half_life_kimg` (> 0) is given; `ramp` (> 0) only with
    `half_life_kimg`."""

    def __init__(self, networks, *, decay=None, half_life_kimg=None, ramp=None):
        self.validate({"decay": decay, "half_life_kimg": half_life_kimg, "ramp": ramp})
        self.decay, self.half_life_kimg, self.ramp = decay, half_life_kimg, ramp
        self.live = dict(networks)
        self.copies = {}
        for name, network in self.live.items():
            copy = keras.models.clone_model(network)
            copy.set_weights(network.get_weights())
            self.copies[name] = copy

    @staticmethod
    def validate(settings):
        """The settings without unset keys, or None for no EMA; refuses anything else."""
        if settings is None:
            return None
        if not isinstance(settings, dict) or set(settings) - _SETTING_KEYS:
            raise ValueError(f"ema must be None or a dict with decay, or with half_life_kimg and optionally ramp. "
                             f"Received: ema={settings!r}")
        settings = {key: value for key, value in settings.items() if value is not None}
        number = lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)  # noqa: E731
        if ("decay" in settings) == ("half_life_kimg" in settings):
            raise ValueError(f"ema needs exactly one of decay or half_life_kimg. Received: ema={settings!r}")
        if "decay" in settings and (not number(settings["decay"]) or not 0 <= settings["decay"] < 1):
            raise ValueError(f"ema decay must be a number in [0, 1). Received: decay={settings['decay']!r}")
        if "half_life_kimg" in settings and (not number(settings["half_life_kimg"]) or settings["half_life_kimg"] <= 0):
            raise ValueError(f"ema half_life_kimg must be a number > 0. Received: "
                             f"half_life_kimg={settings['half_life_kimg']!r}")
        if "ramp" in settings and ("decay" in settings or not number(settings["ramp"]) or settings["ramp"] <= 0):
            raise ValueError(f"ema ramp must be a number > 0, given with half_life_kimg. Received: ema={settings!r}")
        return {key: float(value) for key, value in settings.items()}

    def beta(self, step, global_batch):
        """The weight of the old average at training step `step` (from 0) with `global_batch` images."""
        if self.decay is not None:
            return tf.constant(self.decay, tf.float32)
        global_batch = tf.cast(global_batch, tf.float32)
        ema_nimg = tf.constant(self.half_life_kimg * 1000.0, tf.float32)
        if self.ramp is not None:
            ema_nimg = tf.minimum(ema_nimg, tf.cast(step, tf.float32) * global_batch * self.ramp)
        return tf.pow(0.5, global_batch / tf.maximum(ema_nimg, 1e-8))

    def update(self, step, minibatch_size):
        """One EMA step, from a replica's context, after the step's phases. The assignments happen in
        cross-replica context (the copies are mirrored under a strategy), with the global batch summed
        over replicas."""

        def assign(strategy, minibatch_size):
            global_batch = strategy.reduce(tf.distribute.ReduceOp.SUM, minibatch_size, axis=None)
            beta = self.beta(step, global_batch)
            for name, copy in self.copies.items():
                live = self.live[name]
                for average, weight in zip(copy.trainable_variables, live.trainable_variables):
                    average.assign(beta * average + (1.0 - beta) * tf.cast(weight, average.dtype))
                for average, weight in zip(copy.non_trainable_variables, live.non_trainable_variables):
                    average.assign(weight)

        tf.distribute.get_replica_context().merge_call(assign, args=(minibatch_size,))
