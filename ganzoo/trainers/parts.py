"""The pieces a game is declared with and the checks they get: `Player`, `Phase` and
`InferenceSignature` (what `AdversarialTrainer` runs and exports), gradient clean-up
(`replace_nonfinite`), Adam's rescaling for lazy regularisation (`lazy_adam_settings`) and the one-line
refusals of networks and settings a trainer cannot take (`check_functional`, `positive_int`)."""

from typing import Callable, NamedTuple, Optional, Sequence

import keras
import tensorflow as tf


class Player(NamedTuple):
    """One side of the game.

    name: also the optimiser's key in `compile(optimizers=...)` and in a config's `optimizer` section.
    networks: the models whose trainable variables this player updates.
    objective: optional; `objective(real_minibatch) -> (loss, logs)` makes the player's own phase, with
        `steps` repeats per training step. `logs` maps metric names to scalars to report (each one must
        be in the trainer's `metric_names` or added with `add_tracker`).
    """

    name: str
    networks: Sequence[keras.Model]
    objective: Optional[Callable] = None
    steps: int = 1


class Phase(NamedTuple):
    """One objective of one player on a schedule.

    player: the name of the player whose networks and optimiser the phase uses.
    objective: `objective(real_minibatch) -> (loss, logs)`; the player minimises `loss`.
    repeats: updates per training step, repeat i on minibatch i.
    every: the phase runs on training steps where `step % every == 0` (step counted from 0).
    """

    player: str
    objective: Callable
    repeats: int = 1
    every: int = 1

    @property
    def name(self):
        """"player/objective", as messages name the phase (e.g. "discriminator/discriminator_objective")."""
        return f"{self.player}/{getattr(self.objective, '__name__', 'objective')}"


class InferenceSignature(NamedTuple):
    """One thing a trained game does at inference, as export will expose it.

    network: the attribute of the inference network it runs (its EMA copy when there is one).
    inputs: one `tf.TensorSpec` per input, batch dimension None (named: z, labels, x, images).
    """

    network: str
    inputs: tuple


def replace_nonfinite(gradient):
    """NaN -> 0, +inf -> 1e5, -inf -> -1e5 (numpy's nan_to_num with StyleGAN2's bounds); None stays None."""
    if gradient is None:
        return None
    if isinstance(gradient, tf.IndexedSlices):
        gradient = tf.convert_to_tensor(gradient)
    bound = tf.cast(1e5, gradient.dtype)
    finite_or_bounded = tf.where(tf.math.is_inf(gradient), tf.sign(gradient) * bound, gradient)
    return tf.where(tf.math.is_nan(gradient), tf.zeros_like(gradient), finite_or_bounded)


def lazy_adam_settings(settings, ratio):
    """Optimiser settings (learning_rate, beta_1, beta_2, ...) for a player regularised lazily with
    ratio c = k / (k + 1): learning_rate * c and each beta ** c (Karras et al. 2020, appendix B). A
    learning-rate schedule is left as it is."""
    settings = dict(settings)
    if ratio == 1.0:
        return settings
    if isinstance(settings.get("learning_rate"), (int, float)):
        settings["learning_rate"] = settings["learning_rate"] * ratio
    for key in ("beta_1", "beta_2"):
        if key in settings:
            settings[key] = settings[key] ** ratio
    return settings


def check_functional(trainer, **networks):
    """Refuses, in one line, networks whose shapes a trainer cannot read: every trainer takes functional
    Keras models (`keras.Model(inputs, outputs)`, or a `Sequential` that starts with `keras.Input`)."""
    for role, network in networks.items():
        if not isinstance(network, keras.Model):
            raise ValueError(f"{trainer}'s {role} must be a keras.Model. Received: {type(network).__name__}")
        try:
            defined = bool(network.inputs) and bool(network.outputs)
        except (AttributeError, ValueError):  # a subclassed model has neither; an unbuilt Sequential raises
            defined = False
        if not defined:
            raise ValueError(f"{trainer}'s {role} must be a functional Keras model (keras.Model(inputs, outputs), or a "
                             f"Sequential that starts with keras.Input) so that its shapes are known. Received: "
                             f"{type(network).__name__} {network.name!r}, which has no defined inputs and outputs "
                             f"(a subclassed model, or a Sequential without an Input)")


def bounded_number(name, value, minimum=0.0, maximum=None):
    """`value` as a float when it is a number (not a bool) in [minimum, maximum]; otherwise a ValueError
    naming `name` and the bounds."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum or (
            maximum is not None and value > maximum):
        bounds = f">= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
        raise ValueError(f"{name} must be a number {bounds}. Received: {name}={value!r}")
    return float(value)


def positive_int(name, value):
    """`value` when it is an integer >= 1 (not a bool); otherwise a ValueError naming `name`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1. Received: {name}={value!r}")
    return value
