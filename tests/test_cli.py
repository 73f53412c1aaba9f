"""The command line end to end, in-process: train, resume, refuse, sample; one-line user errors."""

import signal

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import backup
from ganzoo.cli import main
from ganzoo.run_folder import EpochHistory
from ganzoo.metrics.digits import DigitsClassifier

TINY_RING = ["--set", "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
             "--set", "data.num_samples=512", "--batch-size", "32", "--quiet"]
TINY_STYLEGAN2 = ["--set", "model.generator.channel_base=64", "--set", "model.generator.channel_max=8", "--set",
                  "model.discriminator.channel_base=64", "--set", "model.discriminator.channel_max=8", "--set",
                  "model.generator.w_dim=8", "--set", "model.latent_dim=8", "--set", "data.image_size=8",
                  "--batch-size", "8", "--quiet"]
TINY_DCGAN = ["--set", "model.generator.width=4", "--set", "model.discriminator.width=4", "--set",
              "data.image_size=8", "--set", "model.latent_dim=4", "--batch-size", "16", "--quiet"]


def read_png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


def test_list_prints_every_entry(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan-digits" in out and "gan-ring" in out and "handwritten digits" in out


def test_train_writes_a_complete_run_folder_then_refuses_to_overwrite_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "gan-ring", "--epochs", "2", "--steps-per-epoch", "3", "--out", str(out), *TINY_RING]) == 0
    assert {p.name for p in out.iterdir()} >= {"config.yaml", "model.keras", "samples.png", "history.csv", "backup"}
    assert [step for step, _ in backup.backups(out / "backup")] == [6, 3]  # one per epoch, the two newest kept
    assert not list((out / "backup").glob(".partial-*"))
    assert "hidden_units:\n    - 8" in (out / "config.yaml").read_text()
    assert len((out / "history.csv").read_text().strip().splitlines()) == 3  # header + 2 epochs
    assert read_png(out / "samples.png").shape == (256, 256, 3)
    model = keras.models.load_model(out / "model.keras")
    assert model.generate(5, seed=0).shape == (5, 2)

    assert main(["train", "gan-ring", "--epochs", "2", "--out", str(out), *TINY_RING]) == 2
    assert "already holds a finished run" in capsys.readouterr().err
    assert main(["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(out), "--overwrite",
                 *TINY_RING]) == 0
    assert len((out / "history.csv").read_text().strip().splitlines()) == 2


def test_dcgan_trains_and_samples_a_grid(tmp_path, capsys):
    out = tmp_path / "dcgan"
    assert main(["train", "dcgan-digits", "--epochs", "1", "--steps-per-epoch", "2", "--metrics-every", "1",
                 "--out", str(out), *TINY_DCGAN]) == 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard")).Reload()
    assert {"metrics/fd_digits_n500", "metrics/kid_digits_n500"} <= set(events.Tags()["tensors"])
    grid_path = tmp_path / "grid.png"
    assert main(["sample", str(out), "--n", "16", "--out", str(grid_path)]) == 0
    assert read_png(grid_path).shape == (4 * 9 + 1, 4 * 9 + 1, 1)  # 4x4 tiles of 8 px, 1 px padding
    assert main(["sample", str(out / "model.keras"), "--n", "4", "--out", str(grid_path)]) == 0


def test_interrupted_run_resumes_when_rerun(tmp_path, monkeypatch, capsys):
    out = tmp_path / "resumed"
    original = EpochHistory.on_train_batch_end

    def ctrl_c_in_the_second_epoch(self, batch, logs=None):  # the user presses Ctrl-C during step 3
        original(self, batch, logs)
        if int(self.model.step_counter.numpy()) == 3:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(EpochHistory, "on_train_batch_end", ctrl_c_in_the_second_epoch)
    args = ["train", "gan-ring", "--epochs", "3", "--steps-per-epoch", "2", "--out", str(out), *TINY_RING]
    assert main(args) == 128 + signal.SIGINT
    assert "Stopped by SIGINT after step 3" in capsys.readouterr().err
    assert [step for step, _ in backup.backups(out / "backup")] == [3, 2] and not (out / "model.keras").exists()
    monkeypatch.setattr(EpochHistory, "on_train_batch_end", original)
    assert main(args) == 0
    epochs = [line.split(",")[0] for line in (out / "history.csv").read_text().strip().splitlines()[1:]]
    assert epochs == ["0", "1", "2"]  # the rerun went on from epoch 1
    restored = keras.models.load_model(out / "model.keras")
    assert int(restored.player_optimizers["generator"].iterations) == 6


def test_rerun_with_a_different_config_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(out), *TINY_RING]
    assert main(args) == 0
    (out / "model.keras").unlink()  # as if the first run had been interrupted
    assert main([*args, "--set", "model.latent_dim=3"]) == 2
    assert "different config (model.latent_dim: 16 in the folder, 3 now)" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["train", "gan-rign"], "Unknown zoo entry"),
    (["train", "gan-ring", "--set", "model.lattent_dim=3"], "Unknown config key 'model.lattent_dim'"),
    (["train", "gan-ring", "--set", "data.name=/no/such/folder/"], "No such data file or folder"),
    (["train", "dcgan-digits", "--set", "data.name=ring"], "Cannot build dcgan for data of shape (2,)"),
    (["train", "gan-ring", "--batch-size", "0"], "data.batch_size must be >= 1"),
    (["train", "dcgan-digits", "--set", "data.num_samples=10"], "data.num_samples applies to the 2D mixtures"),
])
def test_user_errors_are_one_line_and_leave_no_folder(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("command", [["sample"], ["evaluate"], ["export", "--out", "x"]])
def test_a_missing_source_is_named_as_missing_not_as_an_unknown_entry(tmp_path, capsys, command):
    missing = tmp_path / "runs" / "never-trained"
    assert main([command[0], str(missing), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "No such run folder or .keras file, and no zoo entry of that name" in err and str(missing) in err
    assert err.count("\n") == 1 and "Unknown zoo entry" not in err


def test_a_diverging_run_stops_with_a_clear_error(tmp_path, capsys):
    out = tmp_path / "nan"
    path = tmp_path / "points.npz"
    points = np.ones((64, 2), np.float32)
    points[0] = 1e30  # the discriminator's loss overflows on this point
    np.savez(path, x=points)
    tiny = TINY_RING[:4] + TINY_RING[6:]  # without data.num_samples, which npz data does not take
    assert main(["train", "gan-ring", "--set", f"data.name={path}", "--epochs", "1", "--out", str(out),
                 "--set", "optimizer.discriminator.learning_rate=1e30", *tiny]) == 2
    err = capsys.readouterr().err
    assert "Training diverged at step 1 (phase generator/generator_objective)" in err  # D blew up, G's loss is NaN
    assert "No backup was written yet" in err and err.count("\n") == 1
    assert "--set optimizer.discriminator.learning_rate=... --accept-changes" in err
    assert not (out / "model.keras").exists()


def test_evaluate_writes_a_table_and_json_with_n_and_seed(tmp_path, capsys):
    import json

    ring = tmp_path / "ring"
    assert main(["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(ring), *TINY_RING]) == 0
    report = tmp_path / "ring.json"
    assert main(["evaluate", str(ring), "--metrics", "modes", "--n", "300", "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert set(rows) == {"modes_captured", "high_quality_fraction", "reverse_kl"}
    assert rows["modes_captured"]["n_fake"] == 300 and rows["modes_captured"]["seed"] == 0
    assert "modes_captured" in capsys.readouterr().out
    assert main(["evaluate", str(ring), "--n", "300", "--json", str(report)]) == 0  # by default: what suits ring
    assert {row["metric"] for row in json.loads(report.read_text())} == set(rows)

    digits = tmp_path / "digits"
    assert main(["train", "dcgan-digits", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(digits), *TINY_DCGAN]) == 0
    assert main(["evaluate", str(digits), "--metrics", "fd_digits,kid_digits", "--n", "64", "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert set(rows) == {"fd_digits", "fd_digits_floor", "kid_digits", "kid_digits_floor"}
    assert rows["fd_digits"]["n_fake"] == 64 and rows["fd_digits"]["n_real"] == 1438
    assert rows["fd_digits"]["value"] > rows["fd_digits_floor"]["value"]  # an untrained generator is far off
    assert rows["kid_digits"]["feature_extractor"].startswith("digits-classifier sha256:")
    assert main(["evaluate", str(digits), "--n", "64", "--json", str(report)]) == 0  # by default: the digits metrics
    assert {row["metric"] for row in json.loads(report.read_text())} == set(rows) | {"cs_digits", "cs_digits_floor"}
    assert main(["evaluate", str(digits), "--metrics", "fid"]) == 2  # offline: no InceptionV3 weights
    assert "Offline alternatives: fd_digits" in capsys.readouterr().err
    assert main(["evaluate", str(digits), "--metrics", "fdi"]) == 2
    assert main(["evaluate", str(digits), "--metrics", "modes"]) == 2  # digits is not a 2D mixture
    assert main(["evaluate", str(digits), "--metrics", "class_accuracy_digits"]) == 2  # not conditional


def test_conditional_model_trains_from_the_cli_and_reports_class_accuracy(tmp_path, capsys):
    import json

    run = tmp_path / "cgan"
    assert main(["train", "cgan-digits", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(run),
                 "--no-tensorboard", *TINY_DCGAN]) == 0
    assert (run / "samples.png").is_file()
    report = tmp_path / "cgan.json"
    assert main(["evaluate", str(run), "--metrics", "class_accuracy_digits", "--n", "50", "--json", str(report)]) == 0
    rows = {row["metric"]: row for row in json.loads(report.read_text())}
    assert rows["class_accuracy_digits"]["n_fake"] == 50
    assert rows["class_accuracy_digits_ceiling"]["value"] > 0.95 and rows["class_accuracy_digits_ceiling"]["n_real"] == 359
    assert {f"class_accuracy_digits_class_{c}" for c in range(10)} <= set(rows)
    assert rows["class_accuracy_digits_class_3"]["n_fake"] == 5


def test_sample_chooses_the_classes_of_a_conditional_model(tmp_path, capsys):
    from ganzoo import inference

    one_class = inference.sample("cgan-digits", out=tmp_path / "sevens.png", n=8, labels=7)
    assert one_class.shape == (8, 32, 32, 1)
    classifier = DigitsClassifier()
    assert np.mean(classifier.predict(one_class) == 7) >= 0.75  # the shipped model draws sevens when asked
    assert main(["sample", "cgan-digits", "--n", "3", "--labels", "1,2,3", "--out", str(tmp_path / "a.png")]) == 0
    assert main(["sample", "cgan-digits", "--n", "3", "--labels", "1,2", "--out", str(tmp_path / "b.png")]) == 2
    assert "one per sample (3). Received: 2 labels" in capsys.readouterr().err
    assert main(["sample", "cgan-digits", "--labels", "12", "--out", str(tmp_path / "c.png")]) == 2
    assert "labels must be integers in [0, 9]" in capsys.readouterr().err
    assert main(["sample", "cgan-digits", "--labels", "x", "--out", str(tmp_path / "d.png")]) == 2
    assert main(["sample", "gan-ring", "--labels", "1", "--out", str(tmp_path / "e.png")]) == 2
    assert "applies to class-conditional models" in capsys.readouterr().err


def test_stylegan2_trains_then_samples_and_evaluates_with_truncation(tmp_path, capsys):
    import json

    run = tmp_path / "stylegan2"
    assert main(["train", "stylegan2-digits", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(run),
                 "--no-tensorboard", *TINY_STYLEGAN2]) == 0
    assert main(["sample", str(run), "--n", "4", "--truncation", "0", "--out", str(tmp_path / "mean.png")]) == 0
    tiles = read_png(tmp_path / "mean.png")  # psi = 0: every tile is the w_avg image
    assert (tiles[1:9, 1:9] == tiles[1:9, 10:18]).all()
    report = tmp_path / "truncated.json"
    assert main(["evaluate", str(run), "--metrics", "fd_digits", "--n", "100", "--truncation", "0.7",
                 "--json", str(report)]) == 0
    assert {row["truncation"] for row in json.loads(report.read_text())} == {0.7}
    assert main(["sample", "gan-ring", "--truncation", "0.7", "--out", str(tmp_path / "ring.png")]) == 2
    assert "--truncation applies to StyleGAN2 models" in capsys.readouterr().err
    assert main(["sample", str(run), "--truncation", "-1", "--out", str(tmp_path / "bad.png")]) == 2
    assert "must be a number >= 0" in capsys.readouterr().err
