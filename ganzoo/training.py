"""`ganzoo train`: config -> data (read once) -> model -> fit -> artefacts in a run folder, resumable
from any point.

Everything a user can get wrong (config, data, entry name, folder) is checked before the folder is
created, so a failed start leaves nothing behind. The run folder's layout is `ganzoo.run_folder`'s;
backups are `ganzoo.backup`'s. Training reads an endless stream whose batch of step s depends only on
(seed, s), so a rerun resumes at the step of the newest backup and, for in-memory data, ends with the
weights of a run that was never interrupted (same machine, same execution settings).
"""

import shutil
import signal
import sys
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from ganzoo import backup, distribute, held_out, images, pictures
from ganzoo.callbacks import GANTensorBoard, logged_steps
from ganzoo.errors import ConfigError, TrainingInterrupted
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.outputs import check_output
from ganzoo.monitors import StopOnNonFiniteLoss, quality_monitor
from ganzoo.run_folder import (BACKUP_DIR, CONFIG_FILE, HISTORY_FILE, MODEL_FILE, RECONSTRUCTIONS_FILE, SAMPLES_FILE,
                               TENSORBOARD_DIR, EpochHistory, keep_history_before, prepare_run_dir, record_changes,
                               write_atomically)
from ganzoo.zoo import registry
from ganzoo.zoo.config import dump_config

#: Held-out examples a translator's monitor measures; the first `PICTURE_EXAMPLES` are drawn.
MONITOR_EXAMPLES, PICTURE_EXAMPLES = 64, 8


def training_overrides(*, epochs=None, steps_per_epoch=None, batch_size=None, seed=None, overrides=None):
    """The dotted overrides that the `ganzoo train` flags stand for, merged with `overrides`."""
    merged = dict(overrides or {})
    for key, value in (("training.epochs", epochs), ("training.steps_per_epoch", steps_per_epoch),
                       ("data.batch_size", batch_size), ("training.seed", seed)):
        if value is not None:
            merged[key] = value
    return merged


def train(entry, *, out=None, overrides=None, overwrite=False, accept_changes=False, verbose="auto",
          tensorboard=True, image_every_steps=200, metrics_every_epochs=5, **flags):
    """Trains zoo entry `entry` (or a YAML config path) into the folder `out` (default
    runs/<entry>); `flags` are epochs, steps_per_epoch, batch_size, seed. Rerun into the same folder
    to resume; `accept_changes` resumes it with changed settings (e.g. a lower learning rate after a
    divergence). TensorBoard logs go to out/tensorboard unless `tensorboard=False`. Returns the run
    folder."""
    config = registry.get_config(entry, training_overrides(overrides=overrides, **flags))
    run_dir = check_output(out or Path("runs") / Path(entry).stem, folder=True)
    training = config["training"]
    if training["deterministic"] and training["jit_compile"]:
        raise ConfigError("training.deterministic turns XLA off in TensorFlow, so it cannot be combined with "
                          "training.jit_compile. Received: training.deterministic=True, training.jit_compile=True")
    if training["distribution"] == "multi_worker_mirrored" and training["checkpoint_every_seconds"]:
        raise ConfigError("Under multi_worker_mirrored every worker takes part in each backup, so backups are taken "
                          "at steps all workers agree on: use training.checkpoint_every_steps. Received: "
                          f"training.checkpoint_every_seconds={training['checkpoint_every_seconds']}")
    strategy = distribute.strategy_for(training)  # first: a multi-worker strategy must precede other TF ops
    if training["deterministic"]:
        tf.config.experimental.enable_op_determinism()
    return _train(config, run_dir, strategy, overwrite, accept_changes, verbose, tensorboard, image_every_steps,
                  metrics_every_epochs)


def _train(config, run_dir, strategy, overwrite, accept_changes, verbose, tensorboard, image_every_steps,
           metrics_every_epochs):
    """`train` on `strategy`: the model and the training stream are made in its scope (Keras' `fit`
    then runs on it); the rest runs outside, as a multi-worker strategy needs: a variable made in its
    scope is broadcast from the chief, so saving there would wait for the other workers. Every worker
    runs the same steps, callbacks and pictures (their predictions are collective), and only the chief
    writes files."""
    data_config, training = config["data"], config["training"]
    chief = distribute.is_chief()
    source = registry.open_training_data(data_config)  # read once: shape, length and batches come from it
    with distribute.scope(strategy):
        model = registry.build_from_config(config, source=source)
    steps_per_epoch = registry.steps_per_epoch(config, model, source)
    translating = model.layout in TRANSLATION_LAYOUTS
    monitored = held_out.held_out_examples(data_config, n=MONITOR_EXAMPLES) if translating else None
    examples = monitored.head(PICTURE_EXAMPLES) if translating else None
    reference = held_out.reference_points(data_config["name"])
    reconstruction_inputs = (held_out.reconstruction_inputs(data_config["name"], model.sample_shape)
                             if model.layout == "joint" else None)
    changes = prepare_run_dir(run_dir, config, overwrite, accept_changes) if chief else None
    distribute.barrier()  # the other workers read the run folder once the chief has prepared it
    resuming = changes is not None if chief else (run_dir / BACKUP_DIR).exists()
    resumed = backup.restore(model, run_dir) if resuming else None
    # Every worker draws the same TensorBoard pictures (their predictions are collective), so all read
    # which steps are logged before the chief writes more.
    logged = logged_steps(run_dir / TENSORBOARD_DIR)
    distribute.barrier()
    start = int(model.step_counter.numpy())
    total = training["epochs"] * steps_per_epoch
    if start > total:
        raise ConfigError(f"{run_dir} has trained {start} steps, more than the {total} this config asks for "
                          f"(training.epochs={training['epochs']} x {steps_per_epoch} steps). Received: --out {run_dir}")
    if strategy.num_replicas_in_sync > 1:
        with distribute.scope(strategy):
            print(f"ganzoo: {distribute.describe_batch(config['data']['batch_size'], model.steps_per_train_step)}",
                  file=sys.stderr)
    if chief:
        run_dir.mkdir(parents=True, exist_ok=True)
        if changes is None:
            write_atomically(run_dir / CONFIG_FILE, lambda path: path.write_text(dump_config(config)))
        else:
            record_changes(run_dir, config, changes, start)
        keep_history_before(run_dir / HISTORY_FILE, start // steps_per_epoch)
    writes = run_dir if chief else Path(tempfile.mkdtemp(prefix="ganzoo-worker-"))  # a worker's logs go nowhere
    with backup.StopOnSignal() as stop:
        divergence = StopOnNonFiniteLoss(run_dir)
        schedule = backup.BackupSchedule(run_dir / BACKUP_DIR, steps_per_epoch=steps_per_epoch,
                                         every_steps=training["checkpoint_every_steps"],
                                         every_seconds=training["checkpoint_every_seconds"], stop=stop,
                                         resumed=resumed, check=divergence.check_weights)
        callbacks = [divergence, EpochHistory(writes / HISTORY_FILE)]
        if tensorboard:
            callbacks.append(GANTensorBoard(
                writes / TENSORBOARD_DIR, image_every_steps=image_every_steps, reference=reference,
                metrics_fn=quality_monitor(model, data_config, monitored, source.features),
                metrics_every_epochs=metrics_every_epochs, examples=examples,
                logged_steps=logged, reconstruction_inputs=reconstruction_inputs))
        callbacks.append(schedule)  # last: a backup never runs ahead of the history and logs it covers
        _fit_from_step(model, config, source, steps_per_epoch, callbacks, stop, verbose)
        schedule.backup()
        if stop.requested:
            step = int(model.step_counter.numpy())
            raise TrainingInterrupted(f"Stopped by {stop.requested} after step {step}; its backup is in "
                                      f"{run_dir / BACKUP_DIR}. Rerun the same command to resume.",
                                      128 + int(getattr(signal, stop.requested)))
    samples = pictures.progress_picture(model, examples=examples, reference=reference)
    reconstructions = (pictures.reconstruction_picture(model, reconstruction_inputs)
                       if reconstruction_inputs is not None else None)
    if chief:
        images.write_png(run_dir / SAMPLES_FILE, samples)
        if reconstructions is not None:
            images.write_png(run_dir / RECONSTRUCTIONS_FILE, reconstructions)
        write_atomically(run_dir / MODEL_FILE, model.save)
    else:  # the save is collective under a multi-worker strategy: every worker takes part
        model.save(writes / MODEL_FILE)
        shutil.rmtree(writes, ignore_errors=True)
    return run_dir


def _fit_from_step(model, config, source, steps_per_epoch, callbacks, stop, verbose):
    """Trains from the model's step to the end of the config's epochs. Keras' `fit` starts only at
    epoch boundaries, so the rest of a half-done epoch is one `fit` of its remaining steps and the
    whole epochs a second; each reads the stream from the step it starts at."""
    first_epoch, position = divmod(int(model.step_counter.numpy()), steps_per_epoch)
    segments = [(first_epoch, first_epoch + 1, steps_per_epoch - position)] if position else []
    segments.append((first_epoch + (1 if position else 0), config["training"]["epochs"], steps_per_epoch))
    for initial_epoch, epochs, steps in segments:
        if initial_epoch >= epochs or stop.requested:
            continue
        with distribute.scope(model.distribute_strategy):  # arranged for its replicas
            stream = registry.training_stream(config, model, source, start_step=int(model.step_counter.numpy()))
        model.fit(stream, initial_epoch=initial_epoch, epochs=epochs, steps_per_epoch=steps, callbacks=callbacks,
                  verbose=verbose, shuffle=False)
