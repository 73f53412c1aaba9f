"""Translation data: the offline pairs, folders in pix2pix's and CycleGAN's layouts, tfds cycle_gan."""

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.data import load, load_pairs, pair_kind
from ganzoo.data.translation import COLORIZE_COLUMNS, edge_map, held_out_pairs, negative
from ganzoo.errors import DataError


def test_colorize_pairs_are_luma_and_colour_from_disjoint_photo_regions():
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images
    train, test = load_pairs("colorize", split="train"), load_pairs("colorize", split="test")
    assert train.paired and train.first.shape[1:] == (32, 32, 1) and train.second.shape[1:] == (32, 32, 3)
    assert len(train.first) == 2 * 50 * 57 and len(test.first) == 2 * 13 * 4
    np.testing.assert_allclose(train.first, tf.image.rgb_to_grayscale(train.second).numpy(), atol=1e-6)
    # every held-out patch is found in the photos' test columns, and in no training column
    first_test = np.round((test.second[0] + 1) * 127.5).astype(np.uint8)
    start = COLORIZE_COLUMNS["test"][0]
    assert np.array_equal(photos[0][0:32, start:start + 32], first_test)
    assert COLORIZE_COLUMNS["train"][1] + 32 <= COLORIZE_COLUMNS["test"][0] + 32  # a gap, not an overlap
    train_bytes = {patch.tobytes() for patch in train.second[:: 7]}
    assert not any(patch.tobytes() in train_bytes for patch in test.second)
    assert load_pairs("colorize", split="test", image_size=16).first.shape[1:] == (16, 16, 1)
    assert load_pairs("colorize", split="train", image_size=256).first.shape[1:] == (256, 256, 1)
    with pytest.raises(DataError, match="test region .128 pixels wide. up to image_size=128"):
        load_pairs("colorize", split="test", image_size=256)
    with pytest.raises(DataError, match="up to image_size=427"):
        load_pairs("colorize", split="train", image_size=430)


def test_edges2digits_pairs_edges_with_their_digits_and_labels():
    pairs = load_pairs("edges2digits", split="test")
    digits, labels = ganzoo.data.load_arrays("digits", split="test", image_size=32)
    np.testing.assert_array_equal(pairs.second, digits)
    np.testing.assert_array_equal(pairs.first_labels, labels)
    assert set(np.unique(pairs.first)) == {-1.0, 1.0}
    edges = pairs.first[0, :, :, 0] > 0
    assert 0.05 < edges.mean() < 0.6  # outlines, neither empty nor filled
    flat = np.full((1, 8, 8, 1), 0.3, np.float32)
    flat[0, :, 4:] = -0.5
    assert np.array_equal(np.nonzero(edge_map(flat)[0, 2, :, 0] > 0)[0], [3, 4])  # the step's two sides


def test_digits_negative_domains_are_disjoint_halves_related_by_negation():
    pairs = load_pairs("digits-negative", split="train")
    digits, labels = ganzoo.data.load_arrays("digits", split="train", image_size=32)
    half = len(digits) // 2
    assert not pairs.paired
    np.testing.assert_array_equal(pairs.first, digits[:half])
    np.testing.assert_array_equal(pairs.second, -digits[half:])
    np.testing.assert_array_equal(negative(pairs.second), digits[half:])
    np.testing.assert_array_equal(pairs.second_labels, labels[half:])
    assert pair_kind("digits-negative") == "unpaired" and pair_kind("colorize") == "paired"
    assert pair_kind("digits") is None and pair_kind("tfds:cycle_gan/horse2zebra") == "unpaired"


def test_datasets_yield_pairs_and_unpaired_epochs_cover_the_larger_domain():
    paired = load("edges2digits", batch_size=16, split="test", shuffle=False)
    first, second = next(iter(paired))
    np.testing.assert_array_equal(second, load_pairs("edges2digits", split="test").second[:16])
    unpaired = load("digits-negative", batch_size=4, split="test", seed=3)
    assert int(unpaired.cardinality()) == 180 // 4  # max(179, 180) examples per epoch
    a, b = (np.concatenate(part) for part in zip(*[(x.numpy(), y.numpy()) for x, y in unpaired]))
    pairs = load_pairs("digits-negative", split="test")
    assert len({image.tobytes() for image in a}) == 179  # all of domain A, one image again to fill 180
    assert {image.tobytes() for image in b} <= {image.tobytes() for image in pairs.second}
    reversed_first, _ = next(iter(load("digits-negative", batch_size=4, split="test", reverse=True, shuffle=False)))
    assert reversed_first.numpy().mean() > 0  # negatives (mostly white) now come first
    with pytest.raises(DataError, match="gives image pairs, not labelled samples"):
        load("colorize", batch_size=4, with_labels=True)
    with pytest.raises(DataError, match="use ganzoo.data.load_pairs"):
        ganzoo.data.load_arrays("colorize")


def _write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(array))


def test_folders_in_pix2pix_and_cyclegan_layouts(tmp_path):
    rng = np.random.default_rng(0)
    for index in range(3):  # pix2pix: input | target side by side
        _write_png(tmp_path / "facades" / "train" / f"{index}.png", rng.integers(0, 255, (8, 16, 3), dtype=np.uint8))
    pairs = load_pairs(f"paired:{tmp_path / 'facades'}")
    assert pairs.paired and pairs.first.shape == (3, 8, 8, 3) and pairs.second.shape == (3, 8, 8, 3)
    whole = ganzoo.data.sources.image_folder(str(tmp_path / "facades" / "train"))[0]
    np.testing.assert_array_equal(pairs.second, whole[:, :, 8:])
    swapped = load_pairs(f"paired:{tmp_path / 'facades'}", reverse=True)
    np.testing.assert_array_equal(swapped.first, pairs.second)
    for side, count in (("A", 3), ("B", 5)):  # CycleGAN: trainA / trainB
        for index in range(count):
            _write_png(tmp_path / "h2z" / f"train{side}" / f"{index}.png", rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    domains = load_pairs(f"unpaired:{tmp_path / 'h2z'}")
    assert not domains.paired and len(domains.first) == 3 and len(domains.second) == 5
    batches = list(load(f"unpaired:{tmp_path / 'h2z'}", batch_size=5))
    assert len(batches) == 1 and batches[0][0].shape == (5, 8, 8, 3)
    with pytest.raises(DataError, match="expected CycleGAN's layout with folders testA and testB"):
        load_pairs(f"unpaired:{tmp_path / 'h2z'}", split="test")
    with pytest.raises(DataError, match="expected pix2pix's layout"):
        load_pairs(f"paired:{tmp_path / 'h2z'}")


def test_tfds_cycle_gan_sets_are_read_as_two_domains(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    # tfds' own cycle_gan builder may be registered already, so the stand-in has a name of its own and
    # is routed like a cycle_gan/* name
    monkeypatch.setattr(ganzoo.data.translation, "is_tfds_domains", lambda name: name.startswith("tiny_domains/"))

    class TinyDomains(tfds.core.GeneratorBasedBuilder):
        """A stand-in for tfds' cycle_gan/*: splits trainA (dark) and trainB (bright), prepared offline."""

        VERSION = tfds.core.Version("1.0.0")
        BUILDER_CONFIGS = [tfds.core.BuilderConfig(name="tiny")]

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(8, 8, 3)), "label": tfds.features.ClassLabel(num_classes=2)}))

        def _split_generators(self, dl_manager):
            return {f"{split}{side}": self._generate_examples(side, count) for split, count in (("train", 6), ("test", 2))
                    for side in "AB"}

        def _generate_examples(self, side, count):
            for index in range(count + (side == "B")):
                value = 20 if side == "A" else 220
                yield index, {"image": np.full((8, 8, 3), value, np.uint8), "label": int(side == "B")}

    assert pair_kind("tiny_domains/tiny") == "unpaired"
    dataset = load("tiny_domains/tiny", batch_size=2, data_dir=str(tmp_path))
    batches = list(dataset)
    assert len(batches) == 7 // 2  # an epoch covers the larger domain (7 images in trainB)
    a, b = batches[0]
    assert a.shape == (2, 8, 8, 3) and float(a.numpy().max()) < -0.8 and float(b.numpy().min()) > 0.7
    held_out = held_out_pairs("tiny_domains/tiny", limit=5, data_dir=str(tmp_path))
    assert len(held_out.first) == 2 and len(held_out.second) == 3 and not held_out.paired
