"""A training run on disk: its layout, atomic writes, the checks before a run starts or resumes, and
loading a run's model.

Run folder layout:
    config.yaml        the resolved, validated config (written first)
    backup/            Keras BackupAndRestore state; an interrupted run resumes from it when rerun
    checkpoints/       last.keras, the whole model at the end of the latest epoch
    history.csv        per-epoch losses
    tensorboard/       scalars and sample pictures (`tensorboard --logdir RUN`)
    model.keras        the final model (written last, atomically: its presence means "finished")
    samples.png        samples from fixed latents (a grid of images, or a scatter plot of 2D points);
                       for translation models, held-out examples: input | output | target rows (pix2pix)
                       or a | G(a) | F(G(a)) | b | F(b) | G(F(b)) rows (CycleGAN)
    reconstructions.png   BiGAN on digits or a 2D mixture: held-out x | G(E(x)) rows (images), or
                       lines from each 2D point x to G(E(x)) (see `pictures.reconstruction_picture`)

A rerun into the same folder with the same config resumes; with a different config, or into a
finished run, it stops with an error.
"""

import os
import shutil
from pathlib import Path

import keras
import yaml

from ganzoo.errors import DataError, RunDirectoryError
from ganzoo.trainers.base import AdversarialTrainer
from ganzoo.zoo import registry

CONFIG_FILE, MODEL_FILE, SAMPLES_FILE = "config.yaml", "model.keras", "samples.png"
RECONSTRUCTIONS_FILE, HISTORY_FILE = "reconstructions.png", "history.csv"
BACKUP_DIR, CHECKPOINT_DIR, TENSORBOARD_DIR = "backup", "checkpoints", "tensorboard"
LAST_CHECKPOINT = "last.keras"


def _first_difference(old, new, prefix=""):
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found = _first_difference(a, b, f"{prefix}{key}.")
            if found:
                return found
        elif a != b:
            return f"{prefix}{key}: {a!r} in the folder, {b!r} now"
    return None


def prepare_run_dir(run_dir, config, overwrite):
    """Checks `run_dir` can hold this run; returns True when it resumes an interrupted one."""
    if not run_dir.exists():
        return False
    if (run_dir / MODEL_FILE).exists():
        if not overwrite:
            raise RunDirectoryError(f"{run_dir} already holds a finished run ({MODEL_FILE}). Choose another --out "
                                    f"or pass --overwrite. Received: --out {run_dir}")
        shutil.rmtree(run_dir)
        return False
    if not (run_dir / CONFIG_FILE).exists():
        if any(run_dir.iterdir()):
            raise RunDirectoryError(f"{run_dir} is not empty and is not a ganzoo run folder (no {CONFIG_FILE}). "
                                    f"Received: --out {run_dir}")
        return False
    difference = _first_difference(read_config(run_dir), config)
    if difference is None:
        return True
    if overwrite:
        shutil.rmtree(run_dir)
        return False
    raise RunDirectoryError(f"{run_dir} holds an unfinished run of a different config ({difference}). Rerun "
                            f"with the same settings to resume, or pass --overwrite. Received: --out {run_dir}")


def read_config(run_dir):
    """The config a run folder was started with."""
    with open(Path(run_dir) / CONFIG_FILE) as file:
        return yaml.safe_load(file)


def write_atomically(path, write):
    """Calls `write(partial_path)` then renames the result to `path`, so `path` is never half-written."""
    partial = path.with_name(f".partial-{path.name}")
    write(partial)
    os.replace(partial, path)


def load_run(path):
    """The model of a run folder (its model.keras), of a `.keras` file, or of a zoo entry's
    pretrained artefact (sha256-checked)."""
    if not Path(path).exists() and not str(path).endswith(".keras"):
        return registry.load(str(path))
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE if (path / MODEL_FILE).exists() else path / CHECKPOINT_DIR / LAST_CHECKPOINT
    if not path.is_file() or path.suffix != ".keras":
        raise DataError(f"Expected a run folder (with {MODEL_FILE}) or a .keras file. Received: {path}")
    model = keras.models.load_model(path)
    if not isinstance(model, AdversarialTrainer):  # the one type check: everything after asks the model
        raise DataError(f"{path} holds a {type(model).__name__}, not a ganzoo model. Received: {path}")
    return model


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
