"""Offline data sources: shapes, value ranges, splits, and clear errors for bad input."""

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.data import MIXTURES, load, load_arrays
from ganzoo.errors import DataError
from ganzoo.images import write_png


def test_ring_and_grid_follow_the_protocol_definitions():
    ring, grid = MIXTURES["ring"], MIXTURES["grid"]
    assert ring.num_modes == 8 and len(np.unique(np.round(ring.means, 6), axis=0)) == 8  # not linspace's 7
    np.testing.assert_allclose(ring.means[2], [0.0, 1.0], atol=1e-12)
    assert ring.sigma == 0.01 and grid.sigma == 0.05
    assert grid.num_modes == 25 and set(grid.means.ravel()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    points, modes = ring.sample(20_000, seed=0)
    assert points.dtype == np.float32
    assert np.std(points - ring.means[modes]) == pytest.approx(0.01, rel=0.03)
    assert np.bincount(modes).min() > 2_200  # equal weights


def test_digits_splits_are_disjoint_and_images_in_unit_range():
    train, train_labels = load_arrays("digits", split="train")
    test, _ = load_arrays("digits", split="test")
    assert train.shape == (1438, 8, 8, 1) and test.shape == (359, 8, 8, 1)
    assert train.dtype == np.float32 and train.min() == -1.0 and train.max() == 1.0
    assert set(train_labels) == set(range(10))
    flat = {image.tobytes() for image in train}
    assert sum(image.tobytes() in flat for image in test) < 5  # the digits set has a few exact duplicates
    resized, _ = load_arrays("digits", split="test", image_size=32)
    assert resized.shape == (359, 32, 32, 1) and -1.0 <= resized.min() and resized.max() <= 1.0


def test_load_yields_shuffled_full_batches_with_optional_labels():
    dataset = load("digits", batch_size=100, image_size=16, with_labels=True, seed=1)
    batches = list(dataset)
    assert len(batches) == 14 and all(images.shape == (100, 16, 16, 1) for images, _ in batches)
    first = np.concatenate([labels for _, labels in batches])[:20]
    assert not np.array_equal(first, load_arrays("digits")[1][:20])  # shuffled


def test_npz_images_uint8_and_points(tmp_path):
    path = tmp_path / "faces.npz"
    pixels = np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8)
    np.savez(path, x=pixels, y=np.arange(10))
    images, labels = load_arrays(str(path), label_key="y")
    np.testing.assert_allclose(images, pixels / 127.5 - 1.0, atol=1e-6)
    assert list(labels) == list(range(10))
    points_path = tmp_path / "points.npz"
    np.savez(points_path, points=np.ones((12, 2)))
    batch = next(iter(load(str(points_path), batch_size=4)))
    assert batch.shape == (4, 2) and batch.dtype == tf.float32


@pytest.mark.parametrize("array, value_range, message", [
    (np.full((4, 8, 8, 1), 2.0, np.float32), None, r"expected pixel values in \[-1, 1\].*Received: values in \[2, 2\]"),
    (np.full((4, 8, 8, 1), 200.0, np.float32), (0, 1), r"expected pixel values in \[0, 1\].*\[200, 200\]"),
    (np.zeros((4, 8, 8, 5), np.float32), None, r"1, 3 or 4 channels. Received: shape \(4, 8, 8, 5\)"),
    (np.zeros((4,), np.float32), None, r"Received: shape \(4,\)"),
    (np.full((4, 8, 8, 1), np.nan, np.float32), None, r"NaN"),
])
def test_wrong_shapes_and_ranges_are_refused(tmp_path, array, value_range, message):
    path = tmp_path / "bad.npz"
    np.savez(path, x=array)
    with pytest.raises(DataError, match=message):
        load_arrays(str(path), value_range=value_range)


def test_declared_float_range_is_rescaled(tmp_path):
    path = tmp_path / "unit.npz"
    np.savez(path, x=np.full((2, 4, 4, 1), 0.75, np.float32))
    images, _ = load_arrays(str(path), value_range=(0, 1))
    np.testing.assert_allclose(images, 0.5)


def test_float_images_in_zero_one_need_their_range_declared(tmp_path):
    """[0, 1] data read as [-1, 1] would train a model on grey backgrounds: the range must be said."""
    path = tmp_path / "unit.npz"
    np.savez(path, x=np.random.default_rng(0).uniform(0, 1, (8, 4, 4, 1)).astype(np.float32))
    with pytest.raises(DataError, match=r"float pixel values all lie in \[0, 1\], so their range must be declared: "
                                        r"data.value_range: \[0, 1\]"):
        load_arrays(str(path))
    assert load_arrays(str(path), value_range=(0, 1))[0].min() < -0.5
    assert load_arrays(str(path), value_range=(-1, 1))[0].min() >= 0  # declared as already in [-1, 1]


def test_value_range_and_channels_come_from_the_config(tmp_path):
    from ganzoo.errors import ConfigError
    from ganzoo.zoo import registry

    path = tmp_path / "unit.npz"
    np.savez(path, x=np.full((20, 8, 8, 1), 0.75, np.float32))
    config = ganzoo.get_config("dcgan-digits", {"data.name": str(path), "data.value_range": [0, 1]})
    images = registry.open_training_data(config["data"]).features
    np.testing.assert_allclose(images, 0.5)
    rgb = registry.open_training_data(ganzoo.get_config("dcgan-digits", {"data.channels": 3})["data"]).features
    assert rgb.shape == (1438, 32, 32, 3) and np.array_equal(rgb[..., 0], rgb[..., 2])
    folder = tmp_path / "photos"
    folder.mkdir()
    colours = np.random.default_rng(1).integers(0, 256, (3, 6, 6, 3), dtype=np.uint8)
    for index, image in enumerate(colours):
        write_png(folder / f"{index}.png", image)
    gray = registry.open_training_data(ganzoo.get_config("dcgan-digits", {"data.name": str(folder), "data.channels": 1,
                                                                          "data.image_size": None})["data"]).features
    expected = tf.image.rgb_to_grayscale(colours).numpy() / 127.5 - 1.0
    assert gray.shape == (3, 6, 6, 1) and np.abs(gray - expected).max() <= 1.01 / 127.5  # one grey level of rounding
    for overrides, message in (({"data.value_range": [0, 1]}, "data.value_range declares the range of float image "
                                                              "arrays"),
                               ({"data.name": "ring", "data.channels": 1}, "data.channels converts single images")):
        with pytest.raises(ConfigError, match=message):
            registry.data_options(ganzoo.get_config("gan-ring" if "ring" in str(overrides) else "dcgan-digits",
                                                    overrides)["data"])
    with pytest.raises(ConfigError, match=r"data.value_range must be one of \[\[0, 1\], \[0, 255\], \[-1, 1\]\]"):
        ganzoo.get_config("dcgan-digits", {"data.value_range": [0, 2]})


def test_a_corrupt_image_file_is_named_without_tensorflow_internals(tmp_path):
    write_png(tmp_path / "good.png", np.zeros((6, 6, 3), np.uint8))
    (tmp_path / "bad.png").write_bytes((tmp_path / "good.png").read_bytes()[:40])
    with pytest.raises(DataError) as caught:
        load_arrays(str(tmp_path))
    assert str(caught.value).startswith(f"Cannot decode image '{tmp_path / 'bad.png'}': ")
    assert "function_node" not in str(caught.value) and "[Op:" not in str(caught.value)
    assert "expected a whole PNG, JPEG, BMP or GIF file" in str(caught.value)


def test_image_folder_with_class_subfolders(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for index in range(3):
            write_png(tmp_path / label / f"{index}.png", rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))
    images, labels = load_arrays(str(tmp_path))
    assert images.shape == (6, 6, 6, 3) and list(labels) == [0, 0, 0, 1, 1, 1]
    assert -1.0 <= images.min() and images.max() <= 1.0
    write_png(tmp_path / "cats" / "big.png", np.zeros((9, 9, 3), np.uint8))
    with pytest.raises(DataError, match="differ in size"):
        load_arrays(str(tmp_path))
    assert load_arrays(str(tmp_path), image_size=4)[0].shape == (7, 4, 4, 3)


def test_missing_paths_and_bad_batch_sizes():
    with pytest.raises(DataError, match=r"No such .npz file. Received: '/nonexistent/x.npz'"):
        load("/nonexistent/x.npz", batch_size=4)
    with pytest.raises(DataError, match=r"No such data file or folder. Received: '/nonexistent/folder/'"):
        load("/nonexistent/folder/", batch_size=4)
    with pytest.raises(DataError, match=r"batch_size=5000 for 1438 examples"):
        load("digits", batch_size=5000)


def test_tensorflow_datasets_path_on_a_dataset_built_locally(tmp_path):
    import tensorflow_datasets as tfds

    class TinyShapes(tfds.core.GeneratorBasedBuilder):
        """Six 8x8 grey squares of increasing brightness, prepared on disk without any network."""

        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(8, 8, 1)), "label": tfds.features.ClassLabel(num_classes=2)}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples()}

        def _generate_examples(self):
            for index in range(6):
                yield index, {"image": np.full((8, 8, 1), index * 51, np.uint8), "label": index % 2}

    dataset = load("tiny_shapes", batch_size=3, data_dir=str(tmp_path), with_labels=True, shuffle=False,
                   image_size=4)
    batches = list(dataset)
    assert len(batches) == 2 and all(images.shape == (3, 4, 4, 1) and images.dtype == tf.float32
                                     for images, _ in batches)
    images = np.concatenate([images for images, _ in batches])
    labels = np.concatenate([labels for _, labels in batches])
    index = np.round((images[:, 0, 0, 0] + 1.0) * 127.5 / 51).astype(int)  # tfds stores in its own order
    assert sorted(index) == list(range(6))
    np.testing.assert_allclose(images[:, 0, 0, 0], index * 51 / 127.5 - 1.0, atol=1e-5)
    np.testing.assert_array_equal(labels, index % 2)
    with pytest.raises(DataError, match="tensorflow-datasets has no dataset 'no_such_set_xyz'"):
        load("tfds:no_such_set_xyz", batch_size=3, data_dir=str(tmp_path), download=False)
    # The whole split in memory (the BiGAN feature benchmark's reference and query sets): the same examples.
    array_images, array_labels = ganzoo.data.load_arrays("tiny_shapes", data_dir=str(tmp_path), image_size=4)
    assert array_images.shape == (6, 4, 4, 1) and array_images.dtype == np.float32
    order = np.round((array_images[:, 0, 0, 0] + 1.0) * 127.5 / 51).astype(int)
    assert sorted(order) == list(range(6))
    np.testing.assert_array_equal(array_labels, order % 2)
    assert ganzoo.data.load_arrays("tiny_shapes", data_dir=str(tmp_path), limit=4)[0].shape == (4, 8, 8, 1)
    digits, digit_labels = ganzoo.data.load_arrays("digits", limit=5)
    assert digits.shape == (5, 8, 8, 1) and len(digit_labels) == 5
    with pytest.raises(DataError, match="tensorflow-datasets has no dataset 'no_such_set_xyz'"):
        ganzoo.data.load_arrays("no_such_set_xyz", data_dir=str(tmp_path), download=False)
    assert ganzoo.data.load_arrays("tiny_shapes", data_dir=str(tmp_path), channels=3)[0].shape == (6, 8, 8, 3)


def test_a_tfds_catalogue_set_without_network_fails_in_seconds_and_leaves_nothing(tmp_path, monkeypatch):
    import time

    from ganzoo.data import sources

    data_dir = tmp_path / "tfds"
    started = time.monotonic()
    with pytest.raises(DataError, match=r"tensorflow-datasets 'mnist' is not prepared in .*tfds and cannot be "
                                        r"downloaded \(GANZOO_OFFLINE=1\)"):
        load("mnist", batch_size=4, data_dir=str(data_dir))
    monkeypatch.delenv("GANZOO_OFFLINE")
    monkeypatch.setattr(sources, "network_reachable", lambda *args, **kwargs: False)
    with pytest.raises(DataError, match=r"cannot be downloaded \(storage.googleapis.com cannot be reached\)"):
        load("tfds:mnist", batch_size=4, data_dir=str(data_dir))
    assert time.monotonic() - started < 30 and not data_dir.exists()


def test_a_failed_tfds_preparation_removes_what_it_wrote(tmp_path):
    import tensorflow_datasets as tfds

    class BrokenHalfway(tfds.core.GeneratorBasedBuilder):
        """Writes two examples, then fails, as a download cut off mid-way does."""

        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(4, 4, 1)), "label": tfds.features.ClassLabel(num_classes=2)}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples()}

        def _generate_examples(self):
            for index in range(2):
                yield index, {"image": np.zeros((4, 4, 1), np.uint8), "label": 0}
            raise ConnectionError("connection reset by peer")

    (tmp_path / "kept.txt").write_text("the user's own file")
    with pytest.raises(DataError, match=r"could not download 'broken_halfway' into .*connection reset by peer "
                                        r"\(nothing was left behind\)"):
        load("broken_halfway", batch_size=2, data_dir=str(tmp_path))
    assert [path.name for path in tmp_path.iterdir()] == ["kept.txt"]
    assert ganzoo.data.BUILTIN == ("digits", "ring", "grid", "colorize", "edges2digits", "digits-negative")
