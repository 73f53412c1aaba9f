"""BiGAN end to end: the run folder's reconstruction picture, and `ganzoo evaluate`'s inversion metrics
(1-NN in E(x) beside raw inputs and the untrained encoder, the errors of G(E(x)) and E(G(z)) beside
their baselines, the class kept by G(E(x))), checked against a BiGAN whose E and G invert exactly."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import networks
from ganzoo.cli import main
from ganzoo.evaluation import Request
from ganzoo.evaluation.inversion import inversion_measures, inversion_rows
from ganzoo.held_out import held_out_labelled
from ganzoo.metrics import nearest_neighbour_accuracy
from ganzoo.metrics.representation import untrained_copy
from ganzoo.trainers import BiGAN

TINY_BIGAN = ["--set", "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
              "--set", "model.encoder.hidden_units=[8]", "--batch-size", "32", "--quiet", "--no-tensorboard"]


def _linear(units, kernel, name):
    inputs = keras.Input((units,))
    layer = keras.layers.Dense(units, use_bias=False, name=f"{name}_dense")
    model = keras.Model(inputs, layer(inputs), name=name)
    layer.set_weights([np.asarray(kernel, np.float32)])
    return model


def _exact_inverse_bigan():
    """G(z) = A z and E(x) = A^-1 x: every inversion error is zero."""
    a = np.array([[2.0, 1.0], [0.0, 0.5]])
    discriminator = networks.build_mlp_joint_discriminator(input_shape=(2,), latent_dim=2, hidden_units=(4,), seed=2)
    model = BiGAN(_linear(2, a.T, "generator"), discriminator, _linear(2, np.linalg.inv(a).T, "encoder"), seed=0)
    model.compile()
    return model, a


def test_inversion_rows_are_exact_for_a_bigan_whose_networks_invert_each_other():
    model, a = _exact_inverse_bigan()
    rows = {row["metric"]: row for row in inversion_rows(
        model, ["knn_accuracy", "x_reconstruction_error", "z_reconstruction_error"],
        Request(n=400, seed=3, data={"name": "ring"}))}
    assert rows["x_reconstruction_error"]["value"] == pytest.approx(0.0, abs=1e-8)
    assert rows["z_reconstruction_error"]["value"] == pytest.approx(0.0, abs=1e-8)
    assert rows["z_reconstruction_error_baseline"]["value"] == pytest.approx(1 / 3, abs=0.03)  # U[-1, 1] variance
    assert rows["x_reconstruction_error_baseline"]["value"] == pytest.approx(0.5, abs=0.05)  # unit ring, per coordinate
    reference, reference_labels, query, query_labels = held_out_labelled("ring", (2,), 400, 3)
    by_hand = nearest_neighbour_accuracy(reference @ np.linalg.inv(a).T, reference_labels,
                                         query @ np.linalg.inv(a).T, query_labels)[0]
    assert rows["knn_accuracy"]["value"] == pytest.approx(by_hand)
    assert rows["knn_accuracy_inputs"]["value"] == pytest.approx(
        nearest_neighbour_accuracy(reference, reference_labels, query, query_labels)[0])
    assert rows["knn_accuracy"]["n_real"] == 400 and rows["knn_accuracy"]["n_reference"] == 400
    with pytest.raises(Exception, match="digits"):
        inversion_rows(model, ["reconstruction_class_accuracy_digits"], Request(n=10, seed=0, data={"name": "ring"}))


def test_inversion_measures_take_any_encoder_decoder_pair():
    """The one protocol `ganzoo evaluate` and tools/benchmark_bigan_features.py run, on plain functions:
    an exact inverse pair scores zero errors, a decoder that forgets scores the data's second moment."""
    a = np.array([[2.0, 1.0], [0.0, 0.5]])
    data = held_out_labelled("ring", (2,), 300, 1)
    z = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    exact = inversion_measures(lambda x: x @ np.linalg.inv(a).T, lambda c: c @ a.T, data, z=z)
    assert exact["x_reconstruction_error"] == pytest.approx(0.0, abs=1e-12)
    assert exact["z_reconstruction_error"] == pytest.approx(0.0, abs=1e-12)
    assert (exact["n_query"], exact["n_reference"]) == (300, 300) and "reconstruction_class_accuracy" not in exact
    forgetful = inversion_measures(lambda x: np.zeros((len(x), 1)), lambda c: np.zeros((len(c), 2)), data, z=z)
    assert forgetful["x_reconstruction_error"] == pytest.approx(float(np.mean(data[2] ** 2)))
    assert forgetful["z_reconstruction_error"] == pytest.approx(float(np.mean(z ** 2)))


def test_untrained_copy_is_the_network_as_it_started():
    encoder = networks.build_mlp_encoder(input_shape=(4,), latent_dim=2, hidden_units=(8,), seed=5)
    initial = [w.copy() for w in encoder.get_weights()]
    encoder.set_weights([w + 1.0 for w in initial])  # "training"
    fresh = untrained_copy(encoder)
    for before, copied in zip(initial, fresh.get_weights()):
        np.testing.assert_allclose(before, copied)


def test_bigan_ring_run_draws_its_inversion_and_evaluates_from_the_cli(tmp_path, capsys):
    run = tmp_path / "bigan"
    assert main(["train", "bigan-ring", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(run),
                 "--set", "data.num_samples=512", *TINY_BIGAN]) == 0
    picture = tf.io.decode_png(tf.io.read_file(str(run / "reconstructions.png"))).numpy()
    assert picture.shape == (256, 256, 3)
    colours = {tuple(c) for c in picture.reshape(-1, 3)}
    assert {(120, 120, 120), (200, 30, 30)} <= colours  # points x and reconstructions G(E(x))
    report = tmp_path / "rows.json"
    assert main(["evaluate", str(run), "--metrics", "knn_accuracy,x_reconstruction_error,z_reconstruction_error",
                 "--n", "300", "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert {"knn_accuracy", "knn_accuracy_inputs", "knn_accuracy_untrained_encoder", "x_reconstruction_error",
            "x_reconstruction_error_baseline", "z_reconstruction_error", "z_reconstruction_error_baseline"} == set(rows)
    assert rows["z_reconstruction_error"]["n_fake"] == 300 and rows["x_reconstruction_error"]["n_real"] == 300
    assert "knn_accuracy_untrained_encoder" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--metrics", "reconstruction_class_accuracy_digits"]) == 2  # not digits


def test_bigan_digits_reconstructions_keep_or_lose_the_class_as_measured(tmp_path, capsys):
    run = tmp_path / "bigan-digits"
    assert main(["train", "bigan-digits", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(run),
                 "--set", "model.latent_dim=4", *TINY_BIGAN]) == 0
    picture = tf.io.decode_png(tf.io.read_file(str(run / "reconstructions.png"))).numpy()
    assert picture.shape == (16 * 9 + 1, 2 * 9 + 1, 1)  # 16 rows of x | G(E(x)), 8x8 digits, 1 px padding
    report = tmp_path / "rows.json"
    assert main(["evaluate", str(run), "--metrics", "reconstruction_class_accuracy_digits,knn_accuracy",
                 "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert rows["reconstruction_class_accuracy_digits"]["n_real"] == 359
    assert rows["reconstruction_class_accuracy_digits_ceiling"]["value"] > 0.95
    assert rows["reconstruction_class_accuracy_digits_untrained_encoder"]["n_real"] == 359
    assert rows["knn_accuracy_inputs"]["value"] > 0.95 and rows["knn_accuracy"]["n_reference"] == 1438
    assert main(["evaluate", str(run), "--metrics", "modes"]) == 2


def test_models_without_an_encoder_are_refused(tmp_path, capsys):
    run = tmp_path / "gan"
    assert main(["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(run), "--set",
                 "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
                 "--set", "data.num_samples=512", "--batch-size", "32", "--quiet", "--no-tensorboard"]) == 0
    assert main(["evaluate", str(run), "--metrics", "knn_accuracy"]) == 2
    assert "need a model with an encoder (BiGAN)" in capsys.readouterr().err


def test_bigan_on_data_without_a_held_out_set_trains_and_skips_the_picture(tmp_path, capsys):
    images = np.random.default_rng(0).uniform(0, 255, size=(64, 8, 8, 1)).astype(np.uint8)
    np.savez(tmp_path / "mine.npz", images=images)
    run = tmp_path / "run"
    assert main(["train", "bigan-digits", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(run),
                 "--set", f"data.name={tmp_path / 'mine.npz'}", "--set", "data.image_size=8",
                 "--set", "model.latent_dim=4", *TINY_BIGAN]) == 0
    assert (run / "model.keras").is_file() and not (run / "reconstructions.png").exists()
