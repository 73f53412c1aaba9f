"""TensorBoard logging for GAN training: losses, mean D(x) and D(G(z)), a JSD estimate, and pictures
of samples from fixed latents.

The JSD estimate follows Goodfellow et al. 2014, Theorem 1: with D optimal, V = -log 4 + 2 JSD, so
JSD ~ (V + log 4) / 2 with V = -d_loss for the minimax / non-saturating discriminator loss (a lower
bound when D is not optimal). It is logged only for those loss families, and not when a gradient
penalty is added to d_loss.

Sampling uses its own fixed seed and inference mode, so logging never changes training. A resumed run
passes `logged_steps` (see `logged_steps`), so what its earlier process logged is not logged twice;
an epoch cut short by a stop logs no epoch scalars.
"""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ganzoo import pictures
from ganzoo.metrics.density_ratio import jsd_from_value


def logged_steps(log_dir):
    """{tag: the largest step logged for it} over the TensorBoard files under `log_dir`; a file cut
    short by a kill is read up to its last whole record."""
    last = {}
    for path in sorted(Path(log_dir).glob("**/events.out.tfevents.*")):
        try:
            for event in tf.compat.v1.train.summary_iterator(str(path)):
                for value in event.summary.value:
                    last[value.tag] = max(last.get(value.tag, -1), int(event.step))
        except tf.errors.DataLossError:
            continue
    return last


def jsd_estimate(discriminator_loss):
    """(V + log 4) / 2 where V = -discriminator_loss (minimax / non-saturating families)."""
    return jsd_from_value(-float(discriminator_loss))


class GANTensorBoard(keras.callbacks.Callback):
    """Writes scalars every epoch, `metrics_fn(model)` every `metrics_every_epochs` epochs, and a
    progress picture every `image_every_steps` training steps and at each epoch end, to `log_dir`.

    The picture suits the model's layout (`ganzoo.pictures.progress_picture`): samples from latents
    fixed by `seed` (with `reference` 2D points drawn under 2D samples), or translation rows of the
    fixed `examples` (an `ImagePairs`; fixed noise images when none are given). Works for every game
    given to a plain `model.fit`. For a game with an encoder ("joint" layout: BiGAN), given
    `reconstruction_inputs` (held-out x), each picture step also draws the reconstructions x | G(E(x))
    (`ganzoo.pictures.reconstruction_picture`) under the tag "reconstructions"."""

    def __init__(self, log_dir, *, image_every_steps=200, num_samples=64, seed=1234, reference=None,
                 metrics_fn=None, metrics_every_epochs=5, examples=None, logged_steps=None,
                 reconstruction_inputs=None):
        super().__init__()
        if image_every_steps < 1:
            raise ValueError(f"image_every_steps must be >= 1. Received: image_every_steps={image_every_steps}")
        self.log_dir = str(log_dir)
        self.image_every_steps = image_every_steps
        self.num_samples = num_samples
        self.seed = seed
        self.reference = reference
        self.metrics_fn = metrics_fn  # model -> {name: float}, e.g. mode coverage or fd_digits
        self.metrics_every_epochs = metrics_every_epochs
        self.examples = examples
        self.reconstruction_inputs = reconstruction_inputs
        self.logged_steps = dict(logged_steps or {})  # tag -> step already logged by an earlier process
        self._writer = None
        self._step = 0
        self._batches = 0
        self._last_picture_step = -1

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(self.log_dir)
        self._step = int(self.model.step_counter.numpy())  # the trainer's own count, saved with it

    def on_epoch_begin(self, epoch, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the epoch's last finished step: with steps_per_execution > 1, Keras calls back
        # once per execution of several steps
        previous = self._step
        self._step += batch + 1 - self._batches
        self._batches = batch + 1
        if self._step // self.image_every_steps > previous // self.image_every_steps:
            self._write_samples()

    def on_epoch_end(self, epoch, logs=None):
        if self._batches < (self.params.get("steps") or 0):
            return  # an epoch cut short by a stop
        scalars = {f"train/{name}": float(value) for name, value in (logs or {}).items()}
        if self.model.d_loss_is_minus_value and "d_loss" in (logs or {}):
            scalars["train/jsd_estimate"] = jsd_estimate(logs["d_loss"])
        measuring = self.metrics_fn is not None and (epoch + 1) % self.metrics_every_epochs == 0
        measured = any(tag.startswith("metrics/") and step >= self._step for tag, step in self.logged_steps.items())
        if measuring and not measured:  # the metrics are costly: not again for a step already logged
            scalars.update({f"metrics/{name}": float(value) for name, value in self.metrics_fn(self.model).items()})
        with self._writer.as_default(step=self._step):
            for tag, value in scalars.items():
                if not self._logged(tag):
                    tf.summary.scalar(tag, value)
        self._write_samples()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()

    def _logged(self, tag):
        """Whether `tag` already has a value at the current step (from an earlier process of a resumed run)."""
        return self._step <= self.logged_steps.get(tag, -1)

    def _write_samples(self):
        if self._logged("samples") or self._step <= self._last_picture_step:
            return  # logged by an earlier process of a resumed run, or already at this step
        self._last_picture_step = self._step
        drawn = {"samples": pictures.progress_picture(self.model, examples=self.examples, reference=self.reference,
                                                      n=self.num_samples, seed=self.seed)}
        if self.reconstruction_inputs is not None and self.model.layout == "joint":
            drawn["reconstructions"] = pictures.reconstruction_picture(self.model, self.reconstruction_inputs)
        with self._writer.as_default(step=self._step):
            for tag, picture in drawn.items():
                tf.summary.image(tag, np.asarray(picture)[np.newaxis], max_outputs=1)
        self._writer.flush()
