"""The benchmark scripts under tools/ run end to end (tiny networks, a step or two) and write their JSON."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, tmp_path):
    result = subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_translation_benchmark_trains_pix2pix_and_its_l1_only_twin(tmp_path):
    report = tmp_path / "report.json"
    _run([str(ROOT / "tools" / "benchmark_translation.py"), "pix2pix-colorize", "--work", str(tmp_path / "runs"),
          "--json", str(report), "--set", "model.generator.width=4", "--set", "model.discriminator.width=4",
          "--set", "data.image_size=16", "--set", "model.discriminator.receptive_field=16",
          "--set", "training.epochs=1", "--set", "training.steps_per_epoch=2"], tmp_path)
    runs = json.loads(report.read_text())["runs"]
    assert set(runs) == {"pix2pix", "l1_only"}
    assert runs["l1_only"]["overrides"]["model.adversarial_weight"] == 0.0
    for run in runs.values():
        assert set(run["results"]) == {"deterministic", "paper"}
        metrics = {row["metric"]: row for row in run["results"]["deterministic"]}
        assert set(metrics) == {"l1", "psnr", "colourfulness", "colourfulness_targets"}
        assert metrics["l1"]["n_fake"] == 2 * 26 * 8  # colorize patches held out at 16 px


def test_bigan_feature_benchmark_reports_the_papers_protocol(tmp_path):
    report = tmp_path / "report.json"
    _run([str(ROOT / "tools" / "benchmark_bigan_features.py"), "--json", str(report), "--set", "training.epochs=1",
          "--set", "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
          "--set", "model.encoder.hidden_units=[8]", "--set", "model.latent_dim=4",
          "--set", "optimizer.generator.decay=linear"], tmp_path)  # the autoencoder follows the same schedule
    results = json.loads(report.read_text())
    assert results["n_test"] == 359 and results["n_reference"] == 1438
    assert {"knn_accuracy_pixels", "knn_accuracy_untrained_encoder", "knn_accuracy_autoencoder", "knn_accuracy_bigan",
            "reconstruction_class_accuracy_bigan", "reconstruction_class_accuracy_untrained_encoder",
            "z_reconstruction_error_by_epoch"} <= set(results)
    assert 0.5 < results["knn_accuracy_pixels"] <= 1


def test_bigan_benchmark_on_the_ring_reports_inversion_and_mode_coverage(tmp_path):
    report = tmp_path / "report.json"
    _run([str(ROOT / "tools" / "benchmark_bigan_features.py"), "--entry", "bigan-ring", "--json", str(report),
          "--set", "training.epochs=1", "--set", "data.num_samples=512", "--set", "model.ema.decay=0.5",
          "--set", "model.discriminator.separate_scores=true", "--set", "model.discriminator.z_hidden_units=[8]",
          "--set", "model.r1_gamma=1.0"] + [f"--set=model.{role}.hidden_units=[8]"
                                            for role in ("generator", "encoder", "discriminator")], tmp_path)
    results = json.loads(report.read_text())
    assert results["mode_coverage_n2500"]["num_samples"] == 2500 and results["n_test"] == 2000
    assert results["overrides"]["model.r1_gamma"] == 1.0
    assert "knn_accuracy_autoencoder" not in results and "reconstruction_class_accuracy_bigan" not in results
    assert 0 <= results["z_reconstruction_error_final_n2000"] and len(results["z_reconstruction_error_by_epoch"]) == 1
    assert results["knn_accuracy_pixels"] > 0.9  # 8 modes, sigma 0.01: the nearest point shares its mode
    again = tmp_path / "again.json"
    again.write_text(json.dumps({**results, "seed": 1, "knn_accuracy_pixels": 0.5}))
    table = _run([str(ROOT / "tools" / "benchmark_bigan_features.py"), "--table", str(report), str(again)],
                 tmp_path).stdout.splitlines()
    assert "| modes | high quality |" in table[0] and len(table) == 5  # heading, rule, two seeds, their mean
    mean = (results["knn_accuracy_pixels"] + 0.5) / 2
    assert table[-1].startswith("| bigan-ring ") and "| 2 seeds | 1.0 |" in table[-1] and f"{mean:.1%} +- " in table[-1]


def test_bigan_feature_benchmark_runs_on_a_tensorflow_datasets_split(tmp_path):
    """Users with a network run the protocol on tfds MNIST; here a stand-in prepared offline, read by
    the tool (another process) from TFDS_DATA_DIR with its train and test splits."""
    import os

    import numpy as np
    import tensorflow_datasets as tfds

    class TinyDigitsStandIn(tfds.core.GeneratorBasedBuilder):
        """Ten 8x8 images per split, two classes (dark and bright), prepared without any network."""

        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(8, 8, 1)), "label": tfds.features.ClassLabel(num_classes=2)}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(0), "test": self._generate_examples(100)}

        def _generate_examples(self, offset):
            for index in range(10):
                yield offset + index, {"image": np.full((8, 8, 1), 40 + 150 * (index % 2) + index, np.uint8),
                                       "label": index % 2}

    TinyDigitsStandIn(data_dir=str(tmp_path / "tfds")).download_and_prepare()
    report = tmp_path / "report.json"
    os.environ["TFDS_DATA_DIR"] = str(tmp_path / "tfds")
    try:
        _run([str(ROOT / "tools" / "benchmark_bigan_features.py"), "--json", str(report),
              "--set", "data.name=tiny_digits_stand_in", "--set", "data.batch_size=4", "--set", "training.epochs=1",
              "--set", "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
              "--set", "model.encoder.hidden_units=[8]", "--set", "model.latent_dim=4"], tmp_path)
    finally:
        del os.environ["TFDS_DATA_DIR"]
    results = json.loads(report.read_text())
    assert results["n_test"] == 10 and results["n_reference"] == 10
    assert results["knn_accuracy_pixels"] == 1.0  # dark and bright are far apart in pixels


def test_export_benchmark_times_every_format_against_the_keras_call(tmp_path):
    report = tmp_path / "export.json"
    _run([str(ROOT / "tools" / "benchmark_export.py"), "gan-ring", "--batches", "1", "2", "--repeats", "1",
          "--calls", "2", "--threads", "1", "--json", str(report)], tmp_path)
    rows = json.loads(report.read_text())["entries"]["gan-ring"]
    formats = {"keras", "saved_model", "tflite_none", "tflite_float16", "tflite_int8"}
    assert set(rows["batches"]["1"]) == formats and set(rows["batches"]["2"]) == formats
    assert rows["batches"]["1"]["keras"]["ratio_to_keras"] == 1.0
    assert rows["max_abs_error_to_keras"]["saved_model"] <= 1e-6 and rows["max_abs_error_to_keras"]["tflite_none"] <= 1e-5
    assert set(rows["bytes"]) == formats - {"keras"} and all(size > 0 for size in rows["bytes"].values())


def test_throughput_benchmark_times_ganzoo_against_the_textbook_recipe_under_two_thread_settings(tmp_path):
    report = tmp_path / "throughput.json"
    _run([str(ROOT / "tools" / "benchmark_throughput.py"), "gan-ring", "--precision", "float32", "--steps", "1",
          "--repeats", "1", "--warmup", "1", "--seconds", "0", "--levers", "reuse_forward", "--threads", "2:2", "1:1",
          "--json", str(report)], tmp_path)
    comparison = json.loads(report.read_text())
    # one fresh process per setting, each with the pools it was given
    assert comparison["thread_settings"] == ["2:2", "1:1"]
    assert comparison["threads_used"] == {"2:2": {"intra_op": 2, "inter_op": 2}, "1:1": {"intra_op": 1, "inter_op": 1}}
    row, = comparison["thread_rows"]
    assert set(row["threads"]) == {"reference", "ganzoo", "ganzoo reuse_forward"}
    for settings in row["threads"].values():
        assert set(settings) == {"2:2", "1:1"}
        assert settings["2:2"]["ratio"] == 1.0 and settings["1:1"]["images_per_second"] > 0
    result = comparison["runs"][0]["2:2"]  # one process's own report
    assert result["matmul_gflop_per_second"]["float32"] > 0 and result["machine"]["tensorflow"]
    row, = result["rows"]
    assert (row["case"], row["precision"], row["batch"], len(row["rounds"])) == ("gan-ring", "float32", 512, 1)
    sides = row["sides"]
    assert set(sides) == {"reference", "ganzoo", "ganzoo reuse_forward"}
    for side in sides.values():
        assert side["images_per_second"] > 0 and side["gflop_per_update"] > 0
    # the same networks and the same game: the two updates cost about the same number of operations
    assert 0.8 < sides["ganzoo"]["gflop_per_update"] / sides["reference"]["gflop_per_update"] < 1.25
    # reusing the generator's forward pass executes fewer operations per update
    assert sides["ganzoo reuse_forward"]["gflop_per_update"] < sides["ganzoo"]["gflop_per_update"]


def test_throughput_benchmark_times_each_kernel_layer_alone(tmp_path):
    report = tmp_path / "layers.json"
    _run([str(ROOT / "tools" / "benchmark_throughput.py"), "gan-ring", "--precision", "float32", "--layers",
          "--steps", "1", "--json", str(report)], tmp_path)
    case, = json.loads(report.read_text())["layer_rows"]
    layers = {(row["network"], row["layer"]): row for row in case["layers"]}
    # gan-ring's MLPs: 16 -> 256 -> 256 -> 256 -> 2 and 2 -> 256 -> 256 -> 256 -> 1, four dense layers each
    assert len(layers) == 8 and layers["generator", "generator_dense_0"]["input_shape"] == [512, 16]
    # a 256 x 256 dense layer forward and backward: three products of 2 * 512 * 256 * 256 operations
    assert layers["generator", "generator_dense_1"]["gflop"] == pytest.approx(3 * 2 * 512 * 256 * 256 / 1e9, rel=0.05)
    assert all(row["seconds"] > 0 for row in layers.values()) and case["kernel_layers_gflop_per_second"] > 0


def test_distribution_benchmark_times_one_device_against_mirrored(tmp_path):
    report = tmp_path / "distribution.json"
    _run([str(ROOT / "tools" / "benchmark_distribution.py"), "gan-ring", "--set", "model.generator.hidden_units=[8]",
          "--set", "model.discriminator.hidden_units=[8]", "--steps", "2", "--seconds", "0", "--repeats", "2",
          "--warmup", "1", "--json", str(report)], tmp_path)
    row, = json.loads(report.read_text())["rows"]
    assert (row["entry"], row["replicas"], row["global_batch"], row["per_replica_batch"]) == ("gan-ring", 2, 512, 256)
    assert len(row["rounds"]) == 2 and row["one_device"] > 0 and row["mirrored"] > 0


def test_device_check_stops_in_one_line_without_a_gpu(tmp_path):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: the check would run")
    result = subprocess.run(["bash", str(ROOT / "tools" / "device_check.sh"), str(tmp_path / "out")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "PYTHON": sys.executable, "DEVICE_CHECK_ALLOW_CPU": "0"})
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("device_check: TensorFlow ") and "sees no GPU on this machine" in message
    assert "DEVICE_CHECK_ALLOW_CPU=1" in message and not (tmp_path / "out" / "parts.txt").exists()
