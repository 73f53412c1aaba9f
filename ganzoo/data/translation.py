"""Image pairs for translation: paired (input, target) sets for pix2pix and unpaired domains A and B
for CycleGAN. The offline sets are built from data scikit-learn ships, so success is measurable:

- `colorize` (paired): grayscale -> colour patches cut from scikit-learn's two sample photos
  (`load_sample_images`, 427 x 640 each). Training patches come from columns 0-479 (stride = side /
  4), held-out ones from columns 512-639 (stride = side), so no pixel is shared between splits.
- `edges2digits` (paired): edge maps of the bundled digits (Sobel magnitude above 30% of the image's
  largest, white on black) -> the digits; the digits' train/test split, labels kept.
- `digits-negative` (unpaired): domain A is the first half of the digits split, domain B the
  negatives (-x) of the second half: disjoint images, and a known transform (its own inverse), so a
  classifier can tell whether a digit's class survives translation in either direction.

For users with data on disk or a network: `paired:PATH` (pix2pix's layout: PATH/<split>/ holds images
with the input on the left half and the target on the right), `unpaired:PATH` (CycleGAN's layout:
PATH/<split>A and PATH/<split>B), and tensorflow-datasets' `cycle_gan/<name>` sets (splits trainA,
trainB, testA, testB). `reverse=True` swaps the two sides.
"""

import os
from typing import NamedTuple, Optional

import numpy as np
import tensorflow as tf

from ganzoo.data.arrays import check_batch, images_to_unit_range
from ganzoo.data.sources import _check_split, digits, image_folder, tfds_dataset
from ganzoo.errors import DataError

#: Columns of the sample photos each colorize split may use (a 32-pixel gap between them).
COLORIZE_COLUMNS = {"train": (0, 480), "test": (512, 640)}
#: Rows of scikit-learn's sample photos.
PHOTO_HEIGHT = 427
#: An edge pixel's Sobel magnitude exceeds this fraction of its image's largest.
EDGE_THRESHOLD = 0.3


class ImagePairs(NamedTuple):
    """Two aligned image arrays (paired) or two domains (unpaired), float32 NHWC in [-1, 1]."""

    first: np.ndarray  # inputs, or domain A
    second: np.ndarray  # targets, or domain B
    first_labels: Optional[np.ndarray]
    second_labels: Optional[np.ndarray]
    paired: bool

    def reversed(self):
        return ImagePairs(self.second, self.first, self.second_labels, self.first_labels, self.paired)

    def head(self, n):
        """The first `n` examples of each side."""
        return ImagePairs(self.first[:n], self.second[:n],
                          *(None if labels is None else labels[:n] for labels in (self.first_labels, self.second_labels)),
                          paired=self.paired)


def _patches(image, size, stride):
    rows = range(0, image.shape[0] - size + 1, stride)
    columns = range(0, image.shape[1] - size + 1, stride)
    return np.stack([image[r:r + size, c:c + size] for r in rows for c in columns])


def colorize(*, split="train", image_size=None):
    """(grayscale, colour) patches of side `image_size` (default 32) from disjoint photo regions."""
    _check_split(split)
    from sklearn.datasets import load_sample_images

    size = image_size or 32
    narrowest = min([stop - start for part, (start, stop) in COLORIZE_COLUMNS.items() if split in (part, "all")]
                    + [PHOTO_HEIGHT])
    if size > narrowest:
        raise DataError(f"colorize patches fit the {split} region ({narrowest} pixels wide) up to image_size="
                        f"{narrowest}. Received: image_size={size}")
    stride = max(size // 4, 1) if split == "train" else size
    splits = ["train", "test"] if split == "all" else [split]
    colour = []
    for photo in load_sample_images().images:
        for part in splits:
            start, stop = COLORIZE_COLUMNS[part]
            colour.append(_patches(photo[:, start:stop], size, stride))
    colour = images_to_unit_range(np.concatenate(colour), source="colorize")
    gray = tf.image.rgb_to_grayscale(colour).numpy()
    return ImagePairs(gray, colour, None, None, paired=True)


def edge_map(images):
    """White-on-black binary edge maps (in {-1, 1}) of grayscale images in [-1, 1]."""
    sobel = tf.image.sobel_edges(tf.convert_to_tensor((images + 1.0) / 2.0))  # (n, h, w, c, 2)
    magnitude = tf.norm(sobel, axis=-1)
    largest = tf.reduce_max(magnitude, axis=(1, 2, 3), keepdims=True)
    return tf.where(magnitude > EDGE_THRESHOLD * largest, 1.0, -1.0).numpy().astype(np.float32)


def edges2digits(*, split="train", image_size=None):
    """(edge map, digit) pairs of the bundled digits at `image_size` (default 32), with labels."""
    images, labels = digits(split=split, image_size=image_size or 32)
    return ImagePairs(edge_map(images), images, labels, labels, paired=True)


def negative(images):
    """digits-negative's known transform between domains A and B (its own inverse): x -> -x."""
    return -np.asarray(images)


def digits_negative(*, split="train", image_size=None):
    """Unpaired domains: A = the first half of the digits split, B = negatives of the second half."""
    images, labels = digits(split=split, image_size=image_size or 32)
    half = len(images) // 2
    return ImagePairs(images[:half], negative(images[half:]), labels[:half], labels[half:], paired=False)


#: Sets whose domains are related by a known transform: {name: (a -> b, b -> a)}. They give unpaired
#: translation a ground truth: the class-survival and L1/PSNR checks of `ganzoo.evaluation`.
KNOWN_TRANSFORMS = {"digits-negative": (negative, negative)}
#: Sets whose domains hold digits in some form: {name: (domain A -> plain digits, domain B -> plain
#: digits)}, so the digits classifier can check that a class survives translation.
DIGITS_DOMAINS = {"digits-negative": (np.asarray, negative), "edges2digits": (None, np.asarray)}

OFFLINE_PAIRS = {"colorize": colorize, "edges2digits": edges2digits, "digits-negative": digits_negative}
PREFIXES = {"paired:": True, "unpaired:": False}


def is_tfds_domains(name):
    """Whether `name` is a tensorflow-datasets cycle_gan/* set (optionally written tfds:cycle_gan/...)."""
    return name.removeprefix("tfds:").startswith("cycle_gan/")


def pair_kind(name):
    """"paired", "unpaired" or None (not translation data) for a data name."""
    if name in OFFLINE_PAIRS:
        return "paired" if name != "digits-negative" else "unpaired"
    for prefix, paired in PREFIXES.items():
        if name.startswith(prefix):
            return "paired" if paired else "unpaired"
    if is_tfds_domains(name):
        return "unpaired"
    return None


def side_by_side_folder(path, *, split="train", image_size=None):
    """pix2pix's folder layout: PATH/<split>/ images whose left half is the input and right half the
    target; `image_size` resizes each half."""
    folder = os.path.join(path, split)
    if not os.path.isdir(folder):
        raise DataError(f"paired:{path}: expected pix2pix's layout, a folder {folder!r} of side-by-side "
                        f"(input | target) images. Received: no such folder")
    images, _ = image_folder(folder)
    width = images.shape[2]
    if width % 2:
        raise DataError(f"paired:{path}: side-by-side images need an even width. Received: width {width}")
    halves = [images[:, :, :width // 2], images[:, :, width // 2:]]
    if image_size is not None:
        halves = [np.clip(tf.image.resize(h, (image_size, image_size), antialias=True).numpy(), -1, 1) for h in halves]
    return ImagePairs(halves[0], halves[1], None, None, paired=True)


def domain_folders(path, *, split="train", image_size=None):
    """CycleGAN's folder layout: PATH/<split>A and PATH/<split>B hold the two domains' images."""
    domains = []
    for side in "AB":
        folder = os.path.join(path, f"{split}{side}")
        if not os.path.isdir(folder):
            raise DataError(f"unpaired:{path}: expected CycleGAN's layout with folders {split}A and {split}B. "
                            f"Received: no folder {folder!r}")
        domains.append(image_folder(folder, image_size=image_size)[0])
    return ImagePairs(domains[0], domains[1], None, None, paired=False)


def load_pairs(name, *, split="train", image_size=None, reverse=False):
    """The `ImagePairs` of an in-memory translation source (offline set or folder)."""
    if name in OFFLINE_PAIRS:
        pairs = OFFLINE_PAIRS[name](split=split, image_size=image_size)
    elif name.startswith("paired:"):
        pairs = side_by_side_folder(name.removeprefix("paired:"), split=split, image_size=image_size)
    elif name.startswith("unpaired:"):
        pairs = domain_folders(name.removeprefix("unpaired:"), split=split, image_size=image_size)
    else:
        raise DataError(f"Unknown translation data. Expected one of {sorted(OFFLINE_PAIRS)}, paired:PATH or "
                        f"unpaired:PATH. Received: {name!r}")
    return pairs.reversed() if reverse else pairs


def held_out_pairs(name, *, image_size=None, reverse=False, limit=None, split="test", data_dir=None):
    """`ImagePairs` of the held-out split, for evaluation; streamed tfds sets give their first `limit`
    (default 200) examples of each domain (testA, testB), read from `data_dir`."""
    if is_tfds_domains(name):
        domains = [np.stack([image.numpy() for image, _ in tfds_dataset(
            name.removeprefix("tfds:"), split=f"{split}{side}", image_size=image_size,
            data_dir=data_dir).take(limit or 200)])
            for side in ("BA" if reverse else "AB")]
        return ImagePairs(domains[0], domains[1], None, None, paired=False)
    pairs = load_pairs(name, split=split, image_size=image_size, reverse=reverse)
    return pairs if limit is None else pairs.head(limit)


def known_transforms(name, reverse=False):
    """(a -> b, b -> a) of a set with a known transform between its domains, else None."""
    transforms = KNOWN_TRANSFORMS.get(name)
    if transforms is None:
        return None
    return transforms[::-1] if reverse else transforms


def digits_views(name, reverse=False):
    """(domain A -> plain digits, domain B -> plain digits) for sets of digits (None: not digits)."""
    views = DIGITS_DOMAINS.get(name, (None, None))
    return views[::-1] if reverse else views


def zip_domains(domain_a, domain_b, length, *, batch_size, shuffle=True, seed=0):
    """(a, b) batches from two independently shuffled domains; an epoch has `length` examples (the
    larger domain's size), the smaller domain repeating in a fresh order."""
    def stream(dataset, offset):
        if shuffle:
            dataset = dataset.shuffle(10_000, seed=seed + offset, reshuffle_each_iteration=True)
        return dataset.repeat().take(length)

    dataset = tf.data.Dataset.zip((stream(domain_a, 0), stream(domain_b, 1)))
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def pairs_dataset(pairs, *, batch_size, shuffle=True, seed=0, source="data"):
    """Batches of (first, second): aligned pairs, or two independently shuffled domains."""
    if pairs.paired:
        check_batch(batch_size, len(pairs.first), source)
        dataset = tf.data.Dataset.from_tensor_slices((pairs.first, pairs.second))
        if shuffle:
            dataset = dataset.shuffle(len(pairs.first), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    length = max(len(pairs.first), len(pairs.second))
    check_batch(batch_size, length, source)
    return zip_domains(tf.data.Dataset.from_tensor_slices(pairs.first),
                       tf.data.Dataset.from_tensor_slices(pairs.second), length,
                       batch_size=batch_size, shuffle=shuffle, seed=seed)


def tfds_domains(name, *, split="train", image_size=None, batch_size, shuffle=True, seed=0, reverse=False,
                 **options):
    """(a, b) batches of a tensorflow-datasets `cycle_gan/*` set: splits <split>A and <split>B,
    streamed from disk."""
    domains = [tfds_dataset(name, split=f"{split}{side}", image_size=image_size, **options).map(lambda x, _: x)
               for side in ("BA" if reverse else "AB")]
    sizes = [int(d.cardinality()) for d in domains]
    length = max(sizes) if min(sizes) > 0 else None
    if length is None:
        raise DataError(f"tfds {name!r}: the sizes of splits {split}A/{split}B are unknown. Received: {sizes}")
    check_batch(batch_size, length, f"tfds {name}")
    return zip_domains(domains[0], domains[1], length, batch_size=batch_size, shuffle=shuffle, seed=seed)
