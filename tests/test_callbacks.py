"""TensorBoard logging: the event file holds what it should, and logging never changes training."""

import math

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from ganzoo.callbacks import GANTensorBoard, jsd_estimate
from ganzoo.cli import main
from tests.test_cli import TINY_RING


def test_jsd_estimate_is_zero_at_minus_log_4_and_log_2_when_d_is_perfect():
    assert jsd_estimate(math.log(4.0)) == pytest.approx(0.0)
    assert jsd_estimate(0.0) == pytest.approx(math.log(2.0))  # the JSD's maximum


def test_train_writes_scalars_and_sample_images_readable_by_tensorboard(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "gan-ring", "--epochs", "2", "--steps-per-epoch", "3", "--image-every", "2",
                 "--metrics-every", "2", "--out", str(out), *TINY_RING]) == 0
    files = list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert len(files) == 1
    events = EventAccumulator(str(files[0]), size_guidance={"tensors": 0, "images": 0}).Reload()
    tags = set(events.Tags()["tensors"])
    assert {"train/d_loss", "train/g_loss", "train/d_real", "train/d_fake", "train/jsd_estimate", "samples",
            "metrics/modes_captured", "metrics/high_quality_fraction", "metrics/reverse_kl"} <= tags
    assert [e.step for e in events.Tensors("metrics/modes_captured")] == [6]  # every 2nd epoch
    d_loss = [float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("train/d_loss")]
    jsd = [float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("train/jsd_estimate")]
    assert len(d_loss) == 2 and np.allclose(jsd, [(math.log(4) - v) / 2 for v in d_loss], atol=1e-6)
    pictures = events.Tensors("samples")
    assert [e.step for e in pictures] == [2, 3, 4, 6]  # every 2 steps and at each epoch end, once per step
    png = tf.make_ndarray(pictures[-1].tensor_proto)[2]  # [width, height, encoded PNG]
    assert tf.io.decode_png(png).shape == (256, 256, 3)


def test_logging_does_not_change_training(tiny_gan, tmp_path):
    data = tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).normal(size=(64, 2)).astype("float32")).batch(16)
    plain, logged = tiny_gan(), tiny_gan()
    plain.fit(data, epochs=2, verbose=0)
    logged.fit(data, epochs=2, verbose=0, callbacks=[GANTensorBoard(tmp_path / "tb", image_every_steps=1)])
    for a, b in zip(plain.weights, logged.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_jsd_is_not_logged_when_d_loss_is_not_minus_v(tiny_gan, tmp_path):
    data = tf.data.Dataset.from_tensor_slices(np.zeros((32, 2), np.float32)).batch(16)
    for name, kwargs in (("hinge", {"loss": "hinge"}), ("penalised", {"gradient_penalty_weight": 1.0})):
        tiny_gan(**kwargs).fit(data, epochs=1, verbose=0, callbacks=[GANTensorBoard(tmp_path / name)])
        events = EventAccumulator(str(next((tmp_path / name).glob("events.*")))).Reload()
        assert "train/d_loss" in events.Tags()["tensors"] and "train/jsd_estimate" not in events.Tags()["tensors"]


@pytest.mark.parametrize("game", ["cgan", "bigan", "pix2pix", "cyclegan"])
def test_a_plain_fit_draws_progress_pictures_for_every_game(game, tmp_path):
    """Given only to `model.fit`, the callback draws fixed-input pictures for every layout (translators
    without held-out examples translate fixed noise images)."""
    from ganzoo.zoo.registry import build_from_config, training_dataset
    from tests.trainers.test_mixed_precision import GAME_ENTRIES
    from tests.zoo.test_registry import _tiny_config

    config = _tiny_config(GAME_ENTRIES[game])
    model = build_from_config(config)
    model.fit(training_dataset(config, model), epochs=1, steps_per_epoch=2, verbose=0,
              callbacks=[GANTensorBoard(tmp_path, image_every_steps=1, num_samples=4)])
    events = EventAccumulator(str(next(tmp_path.glob("events.*"))), size_guidance={"tensors": 0}).Reload()
    pictures = events.Tensors("samples")
    assert [event.step for event in pictures] == [1, 2]  # every step; the epoch's end is step 2, drawn once
    first, last = (tf.image.decode_png(event.tensor_proto.string_val[2]).numpy() for event in (pictures[0],
                                                                                               pictures[-1]))
    assert first.ndim == 3 and first.shape == last.shape and first.std() > 0
    assert "reconstructions" not in events.Tags()["tensors"]  # drawn only when given held-out inputs


def test_bigan_reconstructions_are_drawn_beside_the_samples(tmp_path):
    """x | G(E(x)) of fixed held-out inputs at every picture step, as `ganzoo train` passes them."""
    from ganzoo import held_out, pictures
    from ganzoo.zoo.registry import build_from_config, training_dataset
    from tests.trainers.test_mixed_precision import GAME_ENTRIES
    from tests.zoo.test_registry import _tiny_config

    config = _tiny_config(GAME_ENTRIES["bigan"])
    model = build_from_config(config)
    inputs = held_out.reconstruction_inputs(config["data"]["name"], model.sample_shape, n=16)
    model.fit(training_dataset(config, model), epochs=1, steps_per_epoch=2, verbose=0,
              callbacks=[GANTensorBoard(tmp_path, image_every_steps=1, num_samples=4, reconstruction_inputs=inputs)])
    events = EventAccumulator(str(next(tmp_path.glob("events.*"))), size_guidance={"tensors": 0}).Reload()
    drawn = events.Tensors("reconstructions")
    assert [event.step for event in drawn] == [event.step for event in events.Tensors("samples")] == [1, 2]
    last = tf.image.decode_png(drawn[-1].tensor_proto.string_val[2]).numpy()
    np.testing.assert_array_equal(last, np.asarray(pictures.reconstruction_picture(model, inputs)))
