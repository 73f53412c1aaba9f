"""A training run on disk: the function behind `ganzoo train` and `ganzoo sample`.

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
                       lines from each 2D point x to G(E(x)) (see `reconstruction_picture`)

Everything a user can get wrong (config, data, entry name, folder) is checked before the folder is
created, so a failed start leaves nothing behind. A rerun into the same folder with the same config
resumes; with a different config, or into a finished run, it stops with an error.
"""

import math
import os
import shutil
from pathlib import Path

import keras
import numpy as np
import yaml

from ganzoo import data as ganzoo_data
from ganzoo import images, pictures
from ganzoo.callbacks import GANTensorBoard
from ganzoo.errors import DataError, RunDirectoryError, TrainingDivergedError
from ganzoo.pictures import SAMPLE_SEED, reconstruction_picture
from ganzoo.trainers.base import TRANSLATION_LAYOUTS, AdversarialTrainer
from ganzoo.zoo import registry
from ganzoo.zoo.config import dump_config

CONFIG_FILE, MODEL_FILE, SAMPLES_FILE = "config.yaml", "model.keras", "samples.png"
RECONSTRUCTIONS_FILE = "reconstructions.png"


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `TrainingDivergedError` at the first batch whose logged losses are not finite.

    Unlike `keras.callbacks.TerminateOnNaN` it checks every logged value, not only "loss", and it
    raises instead of ending training normally, so BackupAndRestore keeps the last good epoch."""

    def __init__(self, run_dir=None):
        super().__init__()
        self.run_dir = run_dir
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: float(v) for k, v in (logs or {}).items() if not math.isfinite(float(v))}
        if bad:
            where = f" The last good state (end of epoch {self.epoch}) is kept in {self.run_dir}/backup." \
                if self.run_dir else ""
            raise TrainingDivergedError(f"Training diverged at epoch {self.epoch + 1}, batch {batch + 1}: "
                                        f"non-finite {bad}. Try a lower learning rate "
                                        f"(--set optimizer.discriminator.learning_rate=...).{where}")


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


def _prepare_run_dir(run_dir, config, overwrite):
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
    with open(run_dir / CONFIG_FILE) as file:
        previous = yaml.safe_load(file)
    difference = _first_difference(previous, config)
    if difference is None:
        return True
    if overwrite:
        shutil.rmtree(run_dir)
        return False
    raise RunDirectoryError(f"{run_dir} holds an unfinished run of a different config ({difference}). Rerun "
                            f"with the same settings to resume, or pass --overwrite. Received: --out {run_dir}")


def _write_atomically(path, write):
    """Calls `write(partial_path)` then renames the result to `path`, so `path` is never half-written."""
    partial = path.with_name(f".partial-{path.name}")
    write(partial)
    os.replace(partial, path)


def training_overrides(*, epochs=None, steps_per_epoch=None, batch_size=None, seed=None, overrides=None):
    """The dotted overrides that the `ganzoo train` flags stand for, merged with `overrides`."""
    merged = dict(overrides or {})
    for key, value in (("training.epochs", epochs), ("training.steps_per_epoch", steps_per_epoch),
                       ("data.batch_size", batch_size), ("training.seed", seed)):
        if value is not None:
            merged[key] = value
    return merged


def train(entry, *, out=None, overrides=None, overwrite=False, verbose="auto", tensorboard=True,
          image_every_steps=200, metrics_every_epochs=5, **flags):
    """Trains zoo entry `entry` (or a YAML config path) into the folder `out` (default
    runs/<entry>); `flags` are epochs, steps_per_epoch, batch_size, seed. TensorBoard logs go to
    out/tensorboard unless `tensorboard=False`. Returns the run folder."""
    config = registry.get_config(entry, training_overrides(overrides=overrides, **flags))
    data_config, training = config["data"], config["training"]
    model = registry.build_from_config(config)
    dataset = registry.training_dataset(config, model)
    translating = model.layout in TRANSLATION_LAYOUTS
    examples = held_out_examples(data_config) if translating else None
    reconstruction_inputs = held_out_inputs(model, data_config["name"]) if model.layout == "joint" else None
    run_dir = Path(out or Path("runs") / Path(entry).stem)
    resuming = _prepare_run_dir(run_dir, config, overwrite)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    if not resuming:
        _write_atomically(run_dir / CONFIG_FILE, lambda path: path.write_text(dump_config(config)))
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        StopOnNonFiniteLoss(run_dir),
        keras.callbacks.ModelCheckpoint(str(run_dir / "checkpoints" / "last.keras")),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]
    if tensorboard:
        from ganzoo.evaluation import training_metrics, translation_training_metrics

        metrics_fn = (translation_training_metrics(data_config) if translating
                      else training_metrics(data_config["name"], model.sample_shape))
        callbacks.append(GANTensorBoard(run_dir / "tensorboard", image_every_steps=image_every_steps,
                                        reference=_reference_points(data_config), metrics_fn=metrics_fn,
                                        metrics_every_epochs=metrics_every_epochs, examples=examples))
    model.fit(dataset, epochs=training["epochs"], steps_per_epoch=training["steps_per_epoch"],
              callbacks=callbacks, verbose=verbose, shuffle=False)
    images.write_png(run_dir / SAMPLES_FILE, pictures.progress_picture(model, examples=examples,
                                                                       reference=_reference_points(data_config)))
    if reconstruction_inputs is not None:
        images.write_png(run_dir / RECONSTRUCTIONS_FILE, reconstruction_picture(model, reconstruction_inputs))
    _write_atomically(run_dir / MODEL_FILE, model.save)
    return run_dir


def held_out_examples(data_config, n=8):
    """The first `n` examples of a translation config's held-out split ("test", else "val", else the
    training split itself, as pix2pix's edges2shoes ships only train and val), for progress pictures."""
    for split in ("test", "val", "train"):
        try:
            return ganzoo_data.translation.held_out_pairs(data_config["name"], image_size=data_config["image_size"],
                                                          reverse=data_config["reverse"], limit=n, split=split)
        except DataError:
            if split == "train":
                raise


def held_out_inputs(model, data_name, n=500, seed=SAMPLE_SEED):
    """Held-out inputs for a BiGAN's reconstruction picture (digits test split, or n fresh 2D points);
    None for data without a held-out set (the run then has no reconstructions.png). Loaded before
    training, so nothing can fail after it."""
    from ganzoo.evaluation import held_out_labelled

    try:
        return held_out_labelled(data_name, model.sample_shape, n, seed)[2]
    except DataError:
        return None


def _reference_points(data_config, n=2500):
    if data_config["name"] in ganzoo_data.MIXTURES:
        return ganzoo_data.MIXTURES[data_config["name"]].sample(n, seed=SAMPLE_SEED)[0]
    return None


def load_run(path):
    """The model of a run folder (its model.keras), of a `.keras` file, or of a zoo entry's
    pretrained artefact (sha256-checked)."""
    if not Path(path).exists() and not str(path).endswith(".keras"):
        from ganzoo.zoo.registry import load

        return load(str(path))
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE if (path / MODEL_FILE).exists() else path / "checkpoints" / "last.keras"
    if not path.is_file() or path.suffix != ".keras":
        raise DataError(f"Expected a run folder (with {MODEL_FILE}) or a .keras file. Received: {path}")
    model = keras.models.load_model(path)
    if not isinstance(model, AdversarialTrainer):  # the one type check: everything after asks the model
        raise DataError(f"{path} holds a {type(model).__name__}, not a ganzoo model. Received: {path}")
    return model


def parse_labels(text):
    """'3' -> 3, '0,1,2' -> [0, 1, 2], None -> None; anything else is a user error."""
    if text is None:
        return None
    try:
        labels = [int(part) for part in str(text).split(",")]
    except ValueError:
        raise DataError(f"--labels must be an integer or a comma list of integers. Received: {text!r}") from None
    return labels[0] if len(labels) == 1 else labels


def sample(source, *, out, n=64, seed=SAMPLE_SEED, labels=None):
    """Writes a picture of `n` samples of a run folder's (or .keras file's) model to `out`; `labels`
    chooses the classes of a class-conditional model."""
    model = load_run(source)
    if model.layout in TRANSLATION_LAYOUTS:
        raise DataError(f"A {type(model).__name__} translates images rather than sampling: use "
                        f"`ganzoo translate {source} --input IMAGES --out DIR`")
    if labels is not None and not model.conditional:
        raise DataError(f"--labels applies to class-conditional models. Received: a {type(model).__name__}")
    if labels is not None and not isinstance(labels, int) and len(labels) != n:
        raise DataError(f"--labels needs one class, or one per sample ({n}). Received: {len(labels)} labels")
    from ganzoo.evaluation import run_data_name

    try:
        reference = _reference_points({"name": run_data_name(source)})
    except DataError:  # a bare .keras file: no reference points to draw
        reference = None
    try:
        samples = model.generate(n, seed=seed, **({} if labels is None else {"labels": labels}))
    except ValueError as error:  # e.g. a class the model does not have
        raise DataError(str(error)) from None
    images.write_png(out, images.samples_picture(samples, reference))
    return np.asarray(samples)


def read_images(path):
    """{file stem: uint8 (H, W, C) image} of an image file or of every image directly in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in ganzoo_data.sources.IMAGE_EXTENSIONS)
        if not files:
            raise DataError(f"{path}: expected image files ({', '.join(ganzoo_data.sources.IMAGE_EXTENSIONS)}). "
                            f"Received: none found")
    elif path.is_file():
        files = [path]
    else:
        raise DataError(f"--input must be an image file or a folder of images. Received: {path}")
    import tensorflow as tf

    stems = [file.stem for file in files]
    repeated = sorted({stem for stem in stems if stems.count(stem) > 1})
    if repeated:
        raise DataError(f"{path}: files that differ only in extension would write the same output. "
                        f"Received: {', '.join(repeated)}")
    decoded = {}
    for file in files:
        try:
            decoded[file.stem] = tf.io.decode_image(tf.io.read_file(str(file)), expand_animations=False).numpy()
        except tf.errors.OpError as error:
            raise DataError(f"Cannot decode image {str(file)!r}: {error.message}") from None
    return decoded


def _to_channels(image, channels, name):
    """uint8 (H, W, C) -> float32 (H, W, channels) in [-1, 1]: RGB(A) to grayscale or gray to RGB as needed."""
    import tensorflow as tf

    image = image[..., :3] if image.shape[-1] == 4 else image[..., :1] if image.shape[-1] == 2 else image
    if image.shape[-1] == 3 and channels == 1:
        image = tf.image.rgb_to_grayscale(image).numpy()
    elif image.shape[-1] == 1 and channels == 3:
        image = np.repeat(image, 3, axis=-1)
    if image.shape[-1] != channels:
        raise DataError(f"{name}: the model takes {channels}-channel images. Received: {image.shape[-1]} channels")
    return image.astype(np.float32) / 127.5 - 1.0


def translate(source, *, input, out, direction=None, mode="deterministic", size=None, batch_size=None):
    """Translates an image file or a folder of images with a trained Pix2Pix or CycleGAN (a run
    folder, .keras file or zoo entry) and writes `out/<name>.png` for each; RGB inputs become
    grayscale for grayscale models and vice versa; `size` resizes inputs to size x size first
    (otherwise any size works: the generators are fully convolutional). Images of equal size are
    translated together, in batches of `batch_size` (in "paper" mode these are the test batches whose
    statistics batch norm uses). Returns the paths."""
    model = load_run(source)
    if model.layout not in TRANSLATION_LAYOUTS:
        raise DataError(f"ganzoo translate needs a pix2pix or CycleGAN model. Received: a {type(model).__name__} "
                        f"(use `ganzoo sample`)")
    try:
        generator = model.generator_for(direction or next(iter(model.directions)))
    except ValueError as error:
        raise DataError(str(error)) from None
    channels = int(generator.inputs[0].shape[-1])
    if size is not None and (not isinstance(size, int) or size < 1):
        raise DataError(f"--size must be a positive integer. Received: {size!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise DataError(f"--batch-size must be a positive integer. Received: {batch_size!r}")
    inputs = read_images(input)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    prepared = {}
    for name, image in inputs.items():
        image = _to_channels(image, channels, name)
        prepared[name] = image if size is None else ganzoo_data.arrays.resize_images(image[np.newaxis], size)[0]
    by_shape = {}
    for name, image in prepared.items():  # images of one size are translated together
        by_shape.setdefault(image.shape, []).append(name)
    written = []
    for names in by_shape.values():
        try:
            translated = model.translate(np.stack([prepared[name] for name in names]), direction=direction, mode=mode,
                                         batch_size=batch_size)
        except ValueError as error:
            raise DataError(f"{', '.join(names)}: {error}") from None
        for name, image in zip(names, translated):
            path = out / f"{name}.png"
            images.write_png(path, images.to_uint8(image))
            written.append(path)
    return written
