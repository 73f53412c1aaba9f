"""A data source is read once: its shape, length and every pipeline come from the one reading, and a
training run reads its training data once."""

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.data import open_source, sources
from ganzoo.errors import DataError
from ganzoo.zoo import registry


@pytest.fixture
def digit_reads(monkeypatch):
    """Counts reads of the bundled digits."""
    reads = []
    original = sources.digits

    def counted(**options):
        reads.append(options)
        return original(**options)

    monkeypatch.setattr(sources, "digits", counted)
    return reads


def test_shape_length_and_pipelines_come_from_one_reading(digit_reads):
    source = open_source("digits", image_size=16)
    assert source.element_shape == (16, 16, 1)
    assert source.batches_per_epoch(100) == 1438 // 100
    labelled = next(iter(source.batches(8, seed=1, with_labels=True)))
    assert labelled[0].shape == (8, 16, 16, 1) and labelled[1].shape == (8,)
    in_order = next(iter(source.batches(4, shuffle=False)))
    np.testing.assert_array_equal(in_order.numpy(), source.features[:4])
    assert len(digit_reads) == 1


def test_a_pipeline_equals_load_and_pairs_refuse_labels():
    first = next(iter(open_source("ring", num_samples=64).batches(16, seed=3)))
    np.testing.assert_array_equal(first.numpy(), next(iter(ganzoo.data.load("ring", batch_size=16, seed=3,
                                                                           num_samples=64))).numpy())
    pairs = open_source("edges2digits", image_size=16)
    assert pairs.element_shape == ((16, 16, 1), (16, 16, 1)) and pairs.features is None
    with pytest.raises(DataError, match="gives image pairs, not labelled samples"):
        pairs.batches(4, with_labels=True)


def test_a_training_run_reads_its_data_once(digit_reads, tmp_path):
    run = ganzoo.training.train("dcgan-digits", out=tmp_path / "run", epochs=1, batch_size=64, verbose=0,
                                image_every_steps=10, metrics_every_epochs=1,
                                overrides={"model.generator.width": 4, "model.discriminator.width": 4,
                                           "data.image_size": 8, "model.latent_dim": 4,
                                           "optimizer.generator.decay": "linear"})  # the decay needs the length
    assert (run / "model.keras").is_file()
    assert len(digit_reads) == 1, digit_reads  # shape, decay length, batches and the fd/kid_digits monitor


def test_a_training_stream_depends_on_its_seed_and_step_only():
    source = open_source("digits", image_size=8)
    first = [b.numpy() for b in source.stream(100, seed=3).take(16)]  # more than one epoch (14 batches)
    tf.random.set_seed(123)  # TensorFlow's global seed, which tf.data's own shuffle would read
    try:
        again = [b.numpy() for b in source.stream(100, seed=3).take(16)]
    finally:
        tf.random.set_seed(None)
    resumed = [b.numpy() for b in source.stream(100, seed=3, start_step=13).take(3)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert all(np.array_equal(a, b) for a, b in zip(first[13:], resumed))  # across the epoch boundary
    assert not np.array_equal(first[0], next(iter(source.stream(100, seed=4))).numpy())
    points = open_source("ring", num_samples=64)
    epochs = np.concatenate([b.numpy() for b in points.stream(8, seed=0).take(16)])
    for epoch in (epochs[:64], epochs[64:]):  # each epoch is a permutation of the examples
        np.testing.assert_array_equal(np.sort(epoch, axis=0), np.sort(points.features, axis=0))
    assert not np.array_equal(epochs[:64], epochs[64:])
