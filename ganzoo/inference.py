"""What `ganzoo sample` and `ganzoo translate` do with a trained model (a run folder, a .keras file
or a zoo entry's pretrained model): pictures of samples, and translated image files."""

from pathlib import Path

import numpy as np
import tensorflow as tf

from ganzoo import data as ganzoo_data
from ganzoo import images
from ganzoo.errors import DataError, GanzooError
from ganzoo.held_out import reference_points
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.outputs import check_output
from ganzoo.pictures import SAMPLE_SEED
from ganzoo.run_folder import load_run, run_data_config


def parse_labels(text):
    """'3' -> 3, '0,1,2' -> [0, 1, 2], None -> None; anything else is a user error."""
    if text is None:
        return None
    try:
        labels = [int(part) for part in str(text).split(",")]
    except ValueError:
        raise DataError(f"--labels must be an integer or a comma list of integers. Received: {text!r}") from None
    return labels[0] if len(labels) == 1 else labels


def check_truncation(model, truncation):
    """Refuses --truncation for a model without it, or a psi that is not a number >= 0."""
    if truncation is None:
        return
    if not getattr(model, "supports_truncation", False):
        raise GanzooError(f"--truncation applies to StyleGAN2 models (a mean w to pull toward). "
                          f"Received: --truncation {truncation} for a {type(model).__name__}")
    if not truncation >= 0:
        raise GanzooError(f"--truncation must be a number >= 0 (psi; 1 is no truncation). Received: {truncation}")


def sample(source, *, out, n=64, seed=SAMPLE_SEED, labels=None, truncation=None):
    """Writes a picture of `n` samples of a run folder's (or .keras file's) model to `out`; `labels`
    chooses the classes of a class-conditional model, `truncation` StyleGAN2's psi."""
    check_output(out)
    model = load_run(source)
    check_truncation(model, truncation)
    if model.layout in TRANSLATION_LAYOUTS:
        raise DataError(f"A {type(model).__name__} translates images rather than sampling: use "
                        f"`ganzoo translate {source} --input IMAGES --out DIR`")
    if labels is not None and not model.conditional:
        raise DataError(f"--labels applies to class-conditional models. Received: a {type(model).__name__}")
    if labels is not None and not isinstance(labels, int) and len(labels) != n:
        raise DataError(f"--labels needs one class, or one per sample ({n}). Received: {len(labels)} labels")
    try:
        reference = reference_points(run_data_config(source)["name"])
    except DataError:  # a bare .keras file: no reference points to draw
        reference = None
    try:
        options = {**({} if labels is None else {"labels": labels}),
                   **({} if truncation is None else {"truncation": truncation})}
        samples = model.generate(n, seed=seed, **options)
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
    return ganzoo_data.arrays.convert_channels(image, channels, source=name).astype(np.float32) / 127.5 - 1.0


def translate(source, *, input, out, direction=None, mode="deterministic", size=None, batch_size=None):
    """Translates an image file or a folder of images with a trained Pix2Pix or CycleGAN (a run
    folder, .keras file or zoo entry) and writes `out/<name>.png` for each; RGB inputs become
    grayscale for grayscale models and vice versa; `size` resizes inputs to size x size first
    (otherwise any size works: the generators are fully convolutional). Images of equal size are
    translated together, in batches of `batch_size` (in "paper" mode these are the test batches whose
    statistics batch norm uses). Returns the paths."""
    check_output(out, folder=True)
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
