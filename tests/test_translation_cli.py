"""Translation from the command line: train pix2pix and CycleGAN, translate files, evaluate, log."""

import json

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from ganzoo.cli import main

TINY_PIX2PIX = ["--set", "model.generator.width=4", "--set", "model.discriminator.width=4", "--set",
                "data.image_size=16", "--set", "model.discriminator.receptive_field=16", "--batch-size", "8", "--quiet"]
TINY_CYCLEGAN = ["--set", "model.generator.width=4", "--set", "model.generator.blocks=1", "--set",
                 "model.discriminator.width=4", "--set", "data.image_size=16", "--set",
                 "model.discriminator.receptive_field=16", "--batch-size", "4", "--quiet"]


def read_png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "colorize"
    assert main(["train", "pix2pix-colorize", "--epochs", "1", "--steps-per-epoch", "3", "--image-every", "2",
                 "--metrics-every", "1", "--out", str(out), *TINY_PIX2PIX]) == 0
    return out


def test_pix2pix_run_folder_has_input_output_target_rows_and_tensorboard_pictures(pix2pix_run):
    samples = read_png(pix2pix_run / "samples.png")
    assert samples.shape == (8 * 17 + 1, 3 * 17 + 1, 3)  # 8 held-out rows: gray input | colour output | target
    row = samples[1:17]
    assert np.array_equal(row[:, 1:17, 0], row[:, 1:17, 1])  # the grayscale input, shown as RGB
    events_file = next((pix2pix_run / "tensorboard").glob("events.out.tfevents.*"))
    events = EventAccumulator(str(events_file), size_guidance={"tensors": 0}).Reload()
    tags = set(events.Tags()["tensors"])
    assert {"train/l1", "train/g_adversarial", "samples", "metrics/held_out_l1_n64"} <= tags


def test_translate_a_folder_of_rgb_images_with_a_grayscale_model(pix2pix_run, tmp_path, capsys):
    inputs = tmp_path / "photos"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    for name, shape in (("small", (16, 16, 3)), ("odd", (21, 37, 3)), ("gray", (32, 32, 1))):
        tf.io.write_file(str(inputs / f"{name}.png"), tf.io.encode_png(rng.integers(0, 255, shape, dtype=np.uint8)))
    out = tmp_path / "coloured"
    assert main(["translate", str(pix2pix_run), "--input", str(inputs), "--out", str(out)]) == 0
    assert "Wrote 3 translated image(s)" in capsys.readouterr().out
    assert read_png(out / "odd.png").shape == (21, 37, 3) and read_png(out / "gray.png").shape == (32, 32, 3)
    assert main(["translate", str(pix2pix_run), "--input", str(inputs), "--out", str(out / "sized"),
                 "--size", "16", "--mode", "paper", "--batch-size", "3"]) == 0
    assert read_png(out / "sized" / "odd.png").shape == (16, 16, 3) and len(list((out / "sized").iterdir())) == 3


@pytest.mark.parametrize("args, message", [
    (["--input", "/no/such/image.png"], "--input must be an image file or a folder of images"),
    (["--direction", "b_to_a"], "direction must be one of ['forward']"),
])
def test_translate_user_errors_are_one_line(pix2pix_run, tmp_path, capsys, args, message):
    image = tmp_path / "x.png"
    tf.io.write_file(str(image), tf.io.encode_png(np.zeros((16, 16, 3), np.uint8)))
    assert main(["translate", str(pix2pix_run), "--input", str(image), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_sampling_a_translator_or_translating_with_a_gan_says_which_command_to_use(pix2pix_run, tmp_path, capsys):
    assert main(["sample", str(pix2pix_run), "--out", str(tmp_path / "s.png")]) == 2
    assert "use `ganzoo translate" in capsys.readouterr().err
    assert main(["evaluate", str(pix2pix_run), "--metrics", "modes"]) == 2
    err = capsys.readouterr().err
    assert "a Pix2Pix is a translator trained on aligned pairs (pix2pix), measured by ['l1', 'psnr'," in err
    assert "['modes'] need a generator of samples from latents" in err and "Received: --metrics modes" in err
    assert main(["evaluate", str(pix2pix_run), "--metrics", "kid_digits"]) == 2
    assert "digits metrics after translation need outputs that are digits" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Frechet distance on fewer samples")  # FD is computed beside KID on 40
def test_digit_translations_are_measured_as_digits(tmp_path):
    out = tmp_path / "edges"
    assert main(["train", "pix2pix-edges2digits", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out),
                 "--no-tensorboard", *TINY_PIX2PIX]) == 0
    report = tmp_path / "rows.json"
    assert main(["evaluate", str(out), "--metrics", "class_accuracy_digits,kid_digits", "--n", "40",
                 "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert set(rows) == {"class_accuracy_digits", "class_accuracy_digits_ceiling", "kid_digits", "kid_digits_targets"}
    assert rows["class_accuracy_digits_ceiling"]["value"] > 0.9 and rows["kid_digits"]["n_fake"] == 40
    assert rows["kid_digits"]["value"] > rows["kid_digits_targets"]["value"]  # 2 steps: far from digits


def test_pix2pix_evaluation_reports_l1_and_psnr_with_n_and_mode(pix2pix_run, tmp_path):
    report = tmp_path / "rows.json"
    assert main(["evaluate", str(pix2pix_run), "--metrics", "l1,psnr", "--n", "20", "--mode", "paper",
                 "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert set(rows) == {"l1", "psnr"} and rows["l1"]["n_fake"] == 20
    assert "paper (test batches of 1) mode" in rows["l1"]["note"]
    assert 0 < rows["l1"]["value"] < 2 and rows["psnr"]["value"] > 0 and rows["l1"]["std"] > 0
    assert main(["evaluate", str(pix2pix_run), "--n", "20", "--json", str(report)]) == 0  # metrics that suit it
    assert [row["metric"] for row in json.loads(report.read_text())] == ["l1", "psnr", "colourfulness",
                                                                         "colourfulness_targets"]


def test_cyclegan_trains_translates_both_ways_and_reports_class_survival(tmp_path, capsys):
    out = tmp_path / "cyclegan"
    assert main(["train", "cyclegan-digits", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out),
                 "--no-tensorboard", *TINY_CYCLEGAN]) == 0
    samples = read_png(out / "samples.png")
    assert samples.shape == (8 * 17 + 1, 6 * 17 + 1, 1)  # a | G(a) | F(G(a)) | b | F(b) | G(F(b))
    report = tmp_path / "rows.json"
    assert main(["evaluate", str(out), "--metrics", "cycle_error,l1,class_accuracy_digits", "--n", "30",
                 "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert {"cycle_error_a", "cycle_error_b", "l1_a_to_b", "l1_b_to_a", "class_accuracy_digits_a_to_b",
            "class_accuracy_digits_b_to_a", "class_accuracy_digits_ceiling_a"} <= set(rows)
    assert rows["class_accuracy_digits_ceiling_b"]["value"] > 0.9  # negatives, inverted back, are digits
    assert main(["evaluate", str(out), "--n", "30", "--json", str(report)]) == 0  # the metrics that suit it
    assert {row["metric"] for row in json.loads(report.read_text())} == set(rows) | {"psnr_a_to_b", "psnr_b_to_a"}
    image = tmp_path / "digit.png"
    tf.io.write_file(str(image), tf.io.encode_png(np.zeros((16, 16, 1), np.uint8)))
    for direction in ("a_to_b", "b_to_a"):
        assert main(["translate", str(out), "--input", str(image), "--out", str(tmp_path / direction),
                     "--direction", direction]) == 0
        assert read_png(tmp_path / direction / "digit.png").shape == (16, 16, 1)


def test_a_paired_folder_without_a_test_split_trains_and_previews_validation_pairs(tmp_path):
    rng = np.random.default_rng(0)
    for split in ("train", "val"):  # pix2pix's edges2shoes layout: no test/
        for index in range(8):
            tf.io.write_file(str(tmp_path / "shoes" / split / f"{index}.png"),
                             tf.io.encode_png(rng.integers(0, 255, (16, 32, 3), dtype=np.uint8)))
    out = tmp_path / "run"
    assert main(["train", "pix2pix-colorize", "--set", f"data.name=paired:{tmp_path / 'shoes'}", "--set",
                 "data.image_size=null", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(out),
                 "--no-tensorboard", "--set", "model.generator.width=4", "--set", "model.discriminator.width=4",
                 "--set", "model.discriminator.receptive_field=16", "--batch-size", "4", "--quiet"]) == 0
    assert read_png(out / "samples.png").shape == (8 * 17 + 1, 3 * 17 + 1, 3)


@pytest.mark.parametrize("args, message", [
    (["evaluate", "RUN", "--metrics", "l1", "--mode", "paper", "--batch-size", "0"], "batch_size must be a positive"),
    (["evaluate", "RUN", "--metrics", "l1", "--data", "digits-negative"], "is measured on aligned pairs"),
    (["evaluate", "RUN", "--metrics", "l1", "--data", "edges2digits"], "Cannot measure Pix2Pix on 'edges2digits'"),
    (["translate", "RUN", "--input", "IMAGES", "--out", "OUT", "--size", "0"], "--size must be a positive integer"),
    (["translate", "RUN", "--input", "IMAGES", "--out", "OUT"], "files that differ only in extension"),
    (["train", "cyclegan-digits", "--set", "data.name=colorize"], "learns from two unpaired domains"),
    (["train", "pix2pix-colorize", "--set", "data.image_size=512"], "up to image_size=427"),
])
def test_translation_user_errors_are_one_line(pix2pix_run, tmp_path, capsys, args, message):
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.png", "a.jpg"):
        tf.io.write_file(str(images / name), tf.io.encode_png(np.zeros((16, 16, 3), np.uint8)))
    replace = {"RUN": str(pix2pix_run), "IMAGES": str(images), "OUT": str(tmp_path / "out")}
    assert main([replace.get(arg, arg) for arg in args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
