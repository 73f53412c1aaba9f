"""ganzoo's own backups of a training run: everything needed to go on exactly where a run stopped.

A backup is one `.keras` file, `backup/step-<K>.keras`: the whole trainer after step K (networks, EMA
copies, every optimiser's moments, the seed stream's state, the step counter, image pools) plus an
entry `ganzoo_backup.json` with the epoch position and the loss trackers' running sums. It is written
under a temporary name, flushed and fsynced, then renamed (and the folder fsynced), so a kill, a full
disk or a denied write at any moment leaves the previous backup intact. The two newest are kept; when
the newest cannot be read (its zip checksums fail), the one before is used, then a `checkpoints/last.keras`
of an older run folder. Only the chief worker writes. The data order is a function of (seed, step)
(`ganzoo.data.OpenedSource.stream`), so the step is also the data position.

When backups are written: `BackupSchedule` (every epoch by default; by steps or wall time when asked),
at the end of training, and when SIGTERM or SIGINT arrives (`StopOnSignal`: the step in progress
finishes, the backup is written, and training stops).
"""

import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

from ganzoo import distribute, faults
from ganzoo.errors import BackupError

META_ENTRY = "ganzoo_backup.json"
KEEP = 2
LEGACY_CHECKPOINT = Path("checkpoints") / "last.keras"
_NAME = re.compile(r"^step-(\d+)\.keras$")


def backup_name(step):
    return f"step-{step:012d}.keras"


def backups(backup_dir):
    """[(step, path)] of the complete backups in `backup_dir`, newest first."""
    found = []
    for path in Path(backup_dir).glob("step-*.keras"):
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


def write_backup(backup_dir, model, *, steps_per_epoch):
    """Writes the backup of `model` after its current step; returns its path (None on non-chief
    workers). An OSError (full disk, denied write) removes the partial file and raises `BackupError`;
    the previous backups stay as they were.

    Under a multi-worker strategy every worker must call it at the same step: reading the loss trackers
    (and so saving the model) is a collective operation there. A non-chief worker saves to a scratch
    folder that it removes; only the chief's backup is kept."""
    if not distribute.is_chief():
        with tempfile.TemporaryDirectory(prefix="ganzoo-worker-") as scratch:
            tracker_states(model)
            model.save(Path(scratch) / "backup.keras")
        return None
    backup_dir = Path(backup_dir)
    step = int(model.step_counter.numpy())
    final = backup_dir / backup_name(step)
    partial = backup_dir / f".partial-{final.name}"
    fault = faults.write_fault(step)
    meta = {"format": 1, "step": step, "epoch": step // steps_per_epoch, "batch": step % steps_per_epoch,
            "steps_per_epoch": steps_per_epoch, "trackers": tracker_states(model), "written": time.time()}
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        for stale in backup_dir.glob(".partial-*"):  # left by a kill during an earlier write
            stale.unlink()
        if fault and fault.kind in ("enospc", "eacces"):
            faults.raise_os_error(fault, partial)
        model.save(partial)
        with zipfile.ZipFile(partial, "a") as archive:
            archive.writestr(META_ENTRY, json.dumps(meta))
        if fault and fault.kind == "in_write":  # what a kill during the write leaves: its first N bytes
            os.truncate(partial, min(fault.value, partial.stat().st_size))
            faults.kill()
        fsync(partial)
        if fault and fault.kind == "before_rename":
            faults.kill()
        os.replace(partial, final)
        fsync(backup_dir)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not write the backup of step {step} to {backup_dir} ({error.strerror or error}); "
                          f"{_previous(backup_dir)} Free space or fix permissions, then rerun the same command "
                          f"to resume. Received: {type(error).__name__} errno {error.errno}") from None
    for _, old in backups(backup_dir)[KEEP:]:
        old.unlink(missing_ok=True)
    return final


def _previous(backup_dir):
    kept = backups(backup_dir)
    return f"the backup of step {kept[0][0]} is intact." if kept else "no earlier backup exists."


def fsync(path):
    """Flushes a file's (or a folder's entries') data to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def tracker_states(model):
    """{metric: [variable values]} of the model's loss trackers (exact float32 values as floats)."""
    return {tracker.name: [np.asarray(v).tolist() for v in tracker.variables] for tracker in model.metrics}


def restore_tracker_states(model, states):
    for tracker in model.metrics:
        for variable, value in zip(tracker.variables, states.get(tracker.name, ())):
            variable.assign(np.asarray(value, dtype=variable.dtype))


def read_meta(path):
    """The metadata entry of a backup; raises `BackupError` when the file is damaged (checksums)."""
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            if damaged is not None:
                raise BackupError(f"{path}: entry {damaged} fails its checksum")
            return json.loads(archive.read(META_ENTRY)) if META_ENTRY in archive.namelist() else {}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise BackupError(f"{path} is not a readable backup ({error})") from None


def _warn(message):
    print(message, file=sys.stderr)


def newest_readable(run_dir, report=_warn):
    """(path, metadata) of the newest backup of `run_dir` that reads back, else of an older run
    folder's `checkpoints/last.keras` (metadata {}), else None. Damaged backups are reported and skipped."""
    run_dir = Path(run_dir)
    for step, path in backups(run_dir / "backup"):
        try:
            return path, read_meta(path)
        except BackupError as error:
            report(f"ganzoo: skipping a damaged backup: {error}")
    legacy = run_dir / LEGACY_CHECKPOINT
    if legacy.is_file():
        try:
            read_meta(legacy)
            return legacy, {}
        except BackupError as error:
            report(f"ganzoo: skipping a damaged checkpoint: {error}")
    return None


def restore(model, run_dir, report=_warn):
    """Loads the newest readable backup of `run_dir` into `model` (built from the run's config);
    returns its metadata ({} for a legacy checkpoint), or None when there is nothing to resume from.
    Damaged backups newer than the one restored are removed, so that they never count as kept."""
    found = newest_readable(run_dir, report)
    restored_step = -1 if found is None else found[1].get("step", -1)
    for step, path in backups(Path(run_dir) / "backup"):
        if step > restored_step and distribute.is_chief():
            path.unlink()
    if found is None:
        return None
    path, meta = found
    try:
        model.load_weights(path)
    except ValueError as error:  # e.g. networks changed with --accept-changes
        first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
        raise BackupError(f"The backup {path} does not fit the model this config builds for data of shape "
                          f"{model.example_shape} ({first[:200]}). Resume with the networks and data (image size, "
                          f"channels) the run was started with, or pass --overwrite to start again") from None
    return {"path": str(path), **meta}


class StopOnSignal:
    """While active (a context manager, main thread only), SIGTERM and SIGINT ask training to stop
    after the step in progress instead of killing it; `requested` names the signal."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.requested = None
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._ask)
        return self

    def _ask(self, number, frame):
        self.requested = signal.Signals(number).name

    def __exit__(self, *exc):
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()


class BackupSchedule(keras.callbacks.Callback):
    """Writes backups of a run: at the end of every epoch, or every `every_steps` steps and/or every
    `every_seconds` seconds of wall time when either is set; and right after the step in progress when
    `stop` (a `StopOnSignal`) has caught a signal, then stops training. `resumed`: the metadata of the
    backup the run resumed from (`restore`). Put it after the callbacks that write the epoch's history
    and logs, so that a backup never runs ahead of them."""

    def __init__(self, backup_dir, *, steps_per_epoch, every_steps=None, every_seconds=None, stop=None,
                 resumed=None, check=None):
        super().__init__()
        self.backup_dir = Path(backup_dir)
        self.steps_per_epoch = steps_per_epoch
        self.every_steps = every_steps
        self.every_seconds = every_seconds
        self.stop = stop
        resumed = resumed or {}
        step = resumed.get("step")
        # the loss sums of a mid-epoch backup, given back once Keras has reset its trackers
        self.resumed_trackers = resumed.get("trackers") if step is not None and step % steps_per_epoch else None
        self.last_backup = None if step is None else (step, Path(resumed["path"]))
        self.check = check  # called before each write; raises to keep a bad state out of the backups
        self._due_at_epoch_end = False
        self._last_time = time.monotonic()
        self._previous_step = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_step = int(self.model.step_counter.numpy())
        if self.resumed_trackers:  # Keras has just reset the trackers: give back the epoch's sums so far
            restore_tracker_states(self.model, self.resumed_trackers)
            self.resumed_trackers = None

    def on_train_batch_end(self, batch, logs=None):
        step, previous = int(self.model.step_counter.numpy()), self._previous_step
        self._previous_step = step  # several steps per call with steps_per_execution > 1
        faults.after_step(step, first=previous + 1)
        stopping = self.stop is not None and bool(self.stop.requested)
        if stopping:
            self.model.stop_training = True
        due = (stopping or (self.every_steps and step // self.every_steps > previous // self.every_steps)
               or (self.every_seconds and time.monotonic() - self._last_time >= self.every_seconds))
        if due and batch + 1 == (self.params.get("steps") or 0):
            self._due_at_epoch_end = True  # the epoch's last step: back up after its history row
        elif due:
            self.backup()

    def on_epoch_end(self, epoch, logs=None):
        if self._due_at_epoch_end or not (self.every_steps or self.every_seconds):
            self.backup()  # a no-op when a stop has already backed this step up
        self._due_at_epoch_end = False

    def backup(self):
        """Writes a backup now, unless the current step already has one (`last_backup`: written by
        this schedule, or the backup a resumed run started from)."""
        step = int(self.model.step_counter.numpy())
        if self.last_backup is None or self.last_backup[0] != step:
            if self.check is not None:
                self.check()
            self.last_backup = (step, write_backup(self.backup_dir, self.model, steps_per_epoch=self.steps_per_epoch))
        self._last_time = time.monotonic()
        return self.last_backup[1]
