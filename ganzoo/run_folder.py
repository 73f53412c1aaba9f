"""A training run on disk: its layout, atomic writes, the checks before a run starts or resumes, and
loading a run's model.

Run folder layout:
    config.yaml        the resolved, validated config (written first)
    backup/            the two newest backups (`ganzoo.backup`); an interrupted run resumes from them
    changes.log        settings changed on resume (`--accept-changes`, execution settings), with the step
    history.csv        per-epoch losses, one row per finished epoch
    tensorboard/       scalars and sample pictures (`tensorboard --logdir RUN`)
    model.keras        the final model (written last, atomically: its presence means "finished")
    samples.png        samples from fixed latents (a grid of images, or a scatter plot of 2D points);
                       for translation models, held-out examples: input | output | target rows (pix2pix)
                       or a | G(a) | F(G(a)) | b | F(b) | G(F(b)) rows (CycleGAN)
    reconstructions.png   BiGAN on digits or a 2D mixture: held-out x | G(E(x)) rows (images), or
                       lines from each 2D point x to G(E(x)) (see `pictures.reconstruction_picture`)

A rerun into the same folder with the same config resumes; with a different config, or into a
finished run, it stops with an error. Execution settings (`EXECUTION_SETTINGS`: precision, XLA,
determinism, backup frequency, distribution strategy, steps per execution) may change on resume; the
rest of the config is the run's identity, changed only when asked (`accept_changes`), and every change
is logged in changes.log.
"""

import contextlib
import csv
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import keras
import yaml

from ganzoo import backup
from ganzoo.errors import DataError, RunDirectoryError
from ganzoo.trainers.base import AdversarialTrainer
from ganzoo.zoo import registry
from ganzoo.zoo.config import dump_config

CONFIG_FILE, MODEL_FILE, SAMPLES_FILE = "config.yaml", "model.keras", "samples.png"
RECONSTRUCTIONS_FILE, HISTORY_FILE, CHANGES_FILE = "reconstructions.png", "history.csv", "changes.log"
BACKUP_DIR, TENSORBOARD_DIR = "backup", "tensorboard"

#: Config keys that say how a run executes, not what it computes: they may change when a run resumes
#: (bit-identity with an uninterrupted run is then not promised).
EXECUTION_SETTINGS = ("training.precision", "training.jit_compile", "training.deterministic",
                      "training.checkpoint_every_steps", "training.checkpoint_every_seconds", "training.distribution",
                      "training.tpu_address", "training.steps_per_execution")


def differences(old, new, prefix=""):
    """[(dotted key, old value, new value)] where two configs differ."""
    found = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append((f"{prefix}{key}", a, b))
    return found


def _describe(changes):
    return ", ".join(f"{key}: {old!r} in the folder, {new!r} now" for key, old, new in changes)


def prepare_run_dir(run_dir, config, overwrite, accept_changes=False):
    """Checks `run_dir` can hold this run; returns the changes to log when it resumes an interrupted
    one ([] when nothing changed), or None for a fresh run. Identity changes are refused unless
    `accept_changes`."""
    if not run_dir.exists():
        return None
    if (run_dir / MODEL_FILE).exists():
        if not overwrite:
            raise RunDirectoryError(f"{run_dir} already holds a finished run ({MODEL_FILE}). Choose another --out "
                                    f"or pass --overwrite. Received: --out {run_dir}")
        shutil.rmtree(run_dir)
        return None
    if not (run_dir / CONFIG_FILE).exists():
        if any(not path.name.startswith(".partial-") for path in run_dir.iterdir()):
            raise RunDirectoryError(f"{run_dir} is not empty and is not a ganzoo run folder (no {CONFIG_FILE}). "
                                    f"Received: --out {run_dir}")
        return None
    changes = differences(read_config(run_dir), config)
    identity = [change for change in changes if change[0] not in EXECUTION_SETTINGS]
    float16 = [change for change in changes if change[0] == "training.precision" and "mixed_float16" in change[1:]]
    if float16 and not overwrite:  # the loss-scale wrapper changes the optimisers' saved state
        raise RunDirectoryError(f"{run_dir}: a run cannot switch to or from mixed_float16 when it resumes, because "
                                f"float16 training wraps every optimiser in a loss-scale optimiser and the saved "
                                f"moments would be dropped. Resume with training.precision={float16[0][1]}, or pass "
                                f"--overwrite. Received: {_describe(float16)}")
    if (identity or float16) and overwrite:
        shutil.rmtree(run_dir)
        return None
    if identity and not accept_changes:
        raise RunDirectoryError(f"{run_dir} holds an unfinished run of a different config ({_describe(identity[:1])}). "
                                f"Rerun with the same settings to resume, pass --accept-changes to resume it with "
                                f"the new settings, or --overwrite to start again. Received: --out {run_dir}")
    return changes


def record_changes(run_dir, config, changes, step):
    """Makes `config` the run's config and appends `changes` (made when resuming at `step`) to
    changes.log."""
    if not changes:
        return
    write_atomically(run_dir / CONFIG_FILE, lambda path: path.write_text(dump_config(config)))
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with open(run_dir / CHANGES_FILE, "a") as log:
        for key, old, new in changes:
            kind = "execution" if key in EXECUTION_SETTINGS else "identity"
            log.write(f"{stamp} resumed at step {step}: {key} {old!r} -> {new!r} ({kind})\n")


def read_config(run_dir):
    """The config a run folder was started with."""
    path = Path(run_dir) / CONFIG_FILE
    with open(path) as file:
        config = yaml.safe_load(file)
    if not isinstance(config, dict):
        raise RunDirectoryError(f"{path} is empty or damaged, so the run cannot be resumed; pass --overwrite to "
                                f"start again. Received: {type(config).__name__} content")
    return config


def write_atomically(path, write):
    """Calls `write(partial_path)` (which may write a file or a folder), fsyncs what it wrote, then
    renames it to `path`, so `path` is never half-written; a failed write removes its partial output.
    A file replaces the old one in one rename; a folder replaces an old folder after removing it."""
    partial = path.with_name(f".partial-{path.name}")
    _remove(partial)
    try:
        write(partial)
        for written in [partial, *partial.rglob("*")] if partial.is_dir() else [partial]:
            backup.fsync(written)
        if partial.is_dir():
            _remove(path)
        os.replace(partial, path)
        backup.fsync(path.parent)
    except BaseException:
        _remove(partial)
        raise


def _remove(path):
    """Removes a file or folder if it is there (best effort: what cannot be removed stays)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def load_run(path):
    """The model of a run folder (its model.keras, or while it trains its newest readable backup), of
    a `.keras` file, or of a zoo entry's pretrained artefact (sha256-checked)."""
    if not Path(path).exists() and str(path) in registry.list_models():
        return registry.load(str(path))
    if not Path(path).exists():
        raise DataError(f"No such run folder or .keras file, and no zoo entry of that name (`ganzoo list` shows "
                        f"them). Received: {path}")
    path = Path(path)
    recorded = read_config(path) if (path / CONFIG_FILE).is_file() else None
    if path.is_dir():
        found = None if (path / MODEL_FILE).exists() else backup.newest_readable(path)
        path = path / MODEL_FILE if found is None else found[0]
    if not path.is_file() or path.suffix != ".keras":
        raise DataError(f"Expected a run folder (with {MODEL_FILE}) or a .keras file. Received: {path}")
    model = read_keras_file(path)
    if not isinstance(model, AdversarialTrainer):  # the one type check: everything after asks the model
        raise DataError(f"{path} holds a {type(model).__name__}, not a ganzoo model. Received: {path}")
    game = (recorded or {}).get("model", {}).get("type")
    if game in registry.MODEL_TYPES and type(model) is not registry.MODEL_TYPES[game].trainer:
        raise DataError(f"{path} holds a {type(model).__name__}, but its run folder's {CONFIG_FILE} trains model.type "
                        f"{game} (a {registry.MODEL_TYPES[game].trainer.__name__}): the files come from different "
                        f"runs. Received: {path}")
    return model


def read_keras_file(path):
    """`keras.models.load_model(path)` (safe mode), with one line for a file that is not a whole
    `.keras` archive (truncated, or another format) or that Keras cannot rebuild (a Lambda layer,
    whose Python code safe mode does not run; a class it does not know)."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not a readable .keras file: expected a zip archive, received "
                        f"{Path(path).stat().st_size} bytes that are not one (a truncated copy, or another format)")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as error:
        text = str(error)
        if "Lambda" in text and "safe_mode" in text:
            raise DataError(f"{path} holds a Lambda layer, whose Python code Keras' safe mode does not run from a "
                            f"file; build the network from layers (or registered custom layers) instead") from None
        first = next((line.strip() for line in text.splitlines() if line.strip()), type(error).__name__)
        raise DataError(f"Cannot load {path} as a ganzoo model: {first[:300]}") from None


def run_data_config(source, data=None):
    """The data section (name, image_size, reverse) a run folder or zoo entry was trained on; with
    `data`, that name at its stored size (image_size None)."""
    if data:
        return {"name": data, "image_size": None, "reverse": False}
    if (Path(source) / CONFIG_FILE).is_file():
        return {"reverse": False, **read_config(source)["data"]}
    if not Path(source).exists() and str(source) in registry.list_models():  # a zoo entry
        return registry.get_config(str(source))["data"]
    raise DataError(f"Cannot tell which data {source} was trained on; pass --data (e.g. digits, ring, grid)")


class EpochHistory(keras.callbacks.Callback):
    """Appends one row per finished epoch to history.csv (epoch, then the logs' keys in sorted order, as
    `keras.callbacks.CSVLogger` writes them); an epoch cut short by a stop leaves no row, so that its
    rerun writes it once."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches = batch + 1  # the epoch's steps so far (several per call with steps_per_execution > 1)

    def on_epoch_end(self, epoch, logs=None):
        if self._batches < (self.params.get("steps") or 0) or not logs:
            return
        keys = sorted(logs)
        new_file = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a", newline="") as file:
            writer = csv.writer(file)
            if new_file:
                writer.writerow(["epoch", *keys])
            writer.writerow([epoch, *(float(logs[key]) for key in keys)])
            file.flush()
            os.fsync(file.fileno())


def keep_history_before(path, epoch):
    """Drops the rows of `epoch` and later from history.csv (written before a kill that the resumed
    run repeats), so every epoch appears exactly once."""
    path = Path(path)
    if not path.is_file():
        return
    rows = list(csv.reader(io.StringIO(path.read_text())))
    kept = rows[:1] + [row for row in rows[1:] if row and int(row[0]) < epoch]
    if len(kept) != len(rows):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(kept)
        write_atomically(path, lambda partial: partial.write_text(buffer.getvalue()))
