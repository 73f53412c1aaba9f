"""CycleGAN's history of generated images: fills first, then returns old and new with probability 1/2."""

import numpy as np
import pytest
import tensorflow as tf

from ganzoo.trainers.image_pool import ImagePool

SHAPE = (2, 2, 1)


def _images(values):
    """One image per value, every pixel equal to it, so an image is known by its value."""
    return np.stack([np.full(SHAPE, v, np.float32) for v in values])


def _values(images):
    return np.asarray(images)[:, 0, 0, 0]


def test_the_pool_fills_with_and_returns_the_first_images():
    pool = ImagePool(4, SHAPE)
    returned = pool(_images([1, 2, 3]), tf.constant([0, 0], tf.int64))
    np.testing.assert_array_equal(_values(returned), [1, 2, 3])
    assert int(pool.count.numpy()) == 3
    returned = pool(_images([4, 5]), tf.constant([0, 1], tf.int64))  # 4 fills the last slot; 5 meets a full pool
    assert _values(returned)[0] == 4 and int(pool.count.numpy()) == 4
    np.testing.assert_array_equal(np.sort(_values(pool.stored.numpy()))[:3], [1, 2, 3])


def test_a_full_pool_returns_an_old_image_half_the_time_and_keeps_the_new_one_in_its_place():
    capacity, rounds, batch = 10, 200, 8
    pool = ImagePool(capacity, SHAPE)
    pool(_images(np.arange(capacity)), tf.constant([0, 0], tf.int64))
    old_returned = 0
    for step in range(rounds):
        new_values = 1000 + step * batch + np.arange(batch)
        before = set(_values(pool.stored.numpy()))
        returned = _values(pool(_images(new_values), tf.constant([step + 1, 7], tf.int64)))
        stored = set(_values(pool.stored.numpy()))
        for value, new in zip(returned, new_values):
            if value != new:  # an old image came back: it was in the pool, and the new one took its place
                old_returned += 1
                assert value in before or value in new_values
                assert new in stored or any(v > new for v in new_values)
        assert len(stored) == capacity and int(pool.count.numpy()) == capacity
    fraction = old_returned / (rounds * batch)
    # Binomial(1600, 1/2): standard deviation 0.0125; 0.44-0.56 is about 5 standard deviations
    assert 0.44 < fraction < 0.56, fraction


def test_swapped_images_enter_the_pool_and_unswapped_ones_do_not():
    pool = ImagePool(3, SHAPE)
    pool(_images([1, 2, 3]), tf.constant([0, 0], tf.int64))
    for step in range(30):
        new = 100 + step
        before = set(_values(pool.stored.numpy()))
        returned = _values(pool(_images([new]), tf.constant([step, 3], tf.int64)))[0]
        after = set(_values(pool.stored.numpy()))
        if returned == new:
            assert after == before
        else:
            assert returned in before and after == (before - {returned}) | {new}


def test_capacity_zero_passes_images_through_and_the_pool_works_inside_tf_function():
    images = _images([1, 2])
    np.testing.assert_array_equal(ImagePool(0, SHAPE)(images, tf.constant([0, 0], tf.int64)), images)
    pool = ImagePool(2, SHAPE)
    traced = tf.function(lambda x, seed: pool(x, seed))
    np.testing.assert_array_equal(_values(traced(_images([5, 6, 7]), tf.constant([0, 0], tf.int64)))[:2], [5, 6])
    assert int(pool.count.numpy()) == 2
    with pytest.raises(ValueError, match="capacity must be an integer >= 0"):
        ImagePool(-1, SHAPE)
    with pytest.raises(ValueError, match="image_shape must be a fixed"):
        ImagePool(5, (None, None, 3))
