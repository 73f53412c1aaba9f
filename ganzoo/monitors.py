"""What watches a training run: a stop at the first non-finite loss, and the cheap quality metrics
that `GANTensorBoard` logs every few epochs (mode coverage on 2D mixtures, fd/kid_digits on digits,
held-out L1 or cycle error for translators)."""

import math

import keras
import numpy as np

from ganzoo import backup
from ganzoo import data as ganzoo_data
from ganzoo.errors import TrainingDivergedError
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.metrics import mode_coverage
from ganzoo.metrics.digits import DigitsClassifier, digits_scores
from ganzoo.metrics.translation import l1_error
from ganzoo.evaluation.mixtures import MODE_KEYS


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `TrainingDivergedError` at the first step whose logged losses are not finite, naming the
    step, the phase that reported them and the last good backup of `run_dir`; `check_weights` does the
    same for non-finite weights (the backup schedule calls it before each write, since a step's last
    update can break the weights after its losses were computed).

    Unlike `keras.callbacks.TerminateOnNaN` it checks every logged value, not only "loss", and it
    raises instead of ending training normally, so no backup of the diverged state is written (put it
    before `backup.BackupSchedule`)."""

    def __init__(self, run_dir=None):
        super().__init__()
        self.run_dir = run_dir

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: float(v) for k, v in (logs or {}).items() if not math.isfinite(float(v))}
        if bad:
            phases = sorted({self.model.phase_of_metric(name) or "?" for name in bad})
            self._diverged(f"(phase {', '.join(phases)}): non-finite {bad}",
                           [phase.split("/")[0] for phase in phases if phase != "?"])

    def check_weights(self):
        broken = [network.name for player in self.model.players() for network in player.networks
                  if not all(np.isfinite(np.asarray(weight)).all() for weight in network.weights)]
        if broken:
            self._diverged(f"(after its updates): non-finite weights in {', '.join(broken)}", [])

    def _diverged(self, what, reporting):
        step = int(self.model.step_counter.numpy())
        kept = backup.newest_readable(self.run_dir) if self.run_dir else None
        where = (f"The last good backup is of step {kept[1].get('step', '?')} ({kept[0]}); a rerun resumes from it."
                 if kept else "No backup was written yet; a rerun starts from step 0.")
        players = list(dict.fromkeys(reporting + list(self.model.player_names)))  # the reporting player first
        lower = " and/or ".join(f"--set optimizer.{player}.learning_rate=..." for player in players)
        raise TrainingDivergedError(f"Training diverged at step {step} {what}. {where} To go on with lower "
                                    f"learning rates, rerun with {lower} --accept-changes.")


def quality_monitor(model, data_config, held_out=None, training_examples=None):
    """A `model -> {metric: value}` function suited to the model and its data, for periodic logging;
    None if none is. `held_out`: a translator's held-out `ImagePairs` (see `held_out.held_out_examples`);
    `training_examples`: the run's training data in memory, the reference of fd/kid_digits."""
    if model.layout in TRANSLATION_LAYOUTS:
        return translation_monitor(held_out)
    return sample_monitor(data_config["name"], model.sample_shape, training_examples)


def sample_monitor(data_name, sample_shape, training_examples=None, n=500, seed=0):
    """Mode coverage of 2500 samples on a 2D mixture; fd/kid_digits of `n` samples on digits, against
    `training_examples` (default: the digits train split at the samples' size)."""
    if data_name in ganzoo_data.MIXTURES:
        mixture = ganzoo_data.MIXTURES[data_name]

        def modes(model):
            result = mode_coverage(model.generate(2500, seed=seed), mixture)
            return {key: result[key] for key in MODE_KEYS}

        return modes
    if data_name == "digits" and len(sample_shape) == 3:
        classifier = DigitsClassifier()
        real = training_examples
        if real is None:
            real, _ = ganzoo_data.load_arrays("digits", split="train", image_size=sample_shape[0])

        def digits(model):
            scores = digits_scores(real, model.generate(n, seed=seed), classifier, kid_subsets=20, seed=seed)
            return {f"fd_digits_n{n}": scores["fd_digits"], f"kid_digits_n{n}": scores["kid_digits"]}

        return digits
    return None


def translation_monitor(pairs):
    """Held-out L1 (aligned pairs) or domain-A cycle error (unpaired) on the held-out `pairs`."""

    def metrics(model):
        if pairs.paired:
            return {f"held_out_l1_n{len(pairs.first)}": float(l1_error(model.translate(pairs.first), pairs.second).mean())}
        cycled = model.translate(model.translate(pairs.first, direction="a_to_b"), direction="b_to_a")
        return {f"held_out_cycle_error_a_n{len(pairs.first)}": float(l1_error(cycled, pairs.first).mean())}

    return metrics
