"""Every user mistake is one line with exit status 2 and nothing half-written; the command line starts
without TensorFlow's start-up chatter."""

import os
import subprocess
import sys

import keras
import pytest

from ganzoo.cli import main
from ganzoo.run_folder import load_run
from ganzoo.errors import DataError

from tests.test_cli import TINY_RING


def _one_line(capsys, *messages):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for message in messages:
        assert message in err, err
    return err


@pytest.mark.parametrize("command", [
    ["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "1", *TINY_RING, "--out", "{file}/run"],
    ["sample", "gan-ring", "--n", "4", "--out", "{file}/samples.png"],
    ["evaluate", "gan-ring", "--n", "50", "--json", "{file}/rows.json"],
    ["translate", "pix2pix-edges2digits", "--input", "{file}", "--out", "{file}/translated"],
    ["export", "gan-ring", "--out", "{file}/exported"],
])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, capsys, command):
    blocker = tmp_path / "a-file.png"
    blocker.write_bytes(b"not a folder")
    args = [part.replace("{file}", str(blocker)) for part in command]
    assert main(args) == 2
    option = "--json" if command[0] == "evaluate" else "--out"
    _one_line(capsys, f"Cannot write {option}", f"{blocker} is a file, not a folder")
    assert blocker.read_bytes() == b"not a folder" and sorted(tmp_path.iterdir()) == [blocker]


def test_an_output_of_the_wrong_kind_is_refused(tmp_path, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    assert main(["sample", "gan-ring", "--n", "4", "--out", str(folder)]) == 2
    _one_line(capsys, f"--out must be a file path. Received: {folder}, which is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert main(["sample", "gan-ring", "--n", "4", "--out", str(locked / "s.png")]) == 2
    _one_line(capsys, f"no permission to write in {locked}")


def test_a_truncated_keras_file_is_named_as_truncated(tmp_path, capsys):
    from ganzoo.artifacts import verified_path

    whole = verified_path("gan-ring", "model.keras").read_bytes()
    truncated = tmp_path / "cut.keras"
    truncated.write_bytes(whole[: len(whole) // 2])
    assert main(["sample", str(truncated), "--out", str(tmp_path / "s.png")]) == 2
    _one_line(capsys, f"{truncated} is not a readable .keras file: expected a zip archive",
              f"received {len(whole) // 2} bytes")
    assert not (tmp_path / "s.png").exists()


def test_a_keras_file_with_a_lambda_layer_is_refused_in_one_line(tmp_path, capsys):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    model.save(tmp_path / "lambda.keras")
    assert main(["sample", str(tmp_path / "lambda.keras"), "--out", str(tmp_path / "s.png")]) == 2
    _one_line(capsys, "holds a Lambda layer, whose Python code Keras' safe mode does not run from a file")
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(DataError, match="holds a Sequential, not a ganzoo model"):
        load_run(tmp_path / "plain.keras")


def test_a_yaml_syntax_error_is_one_line_with_its_position(tmp_path, capsys):
    config = tmp_path / "broken.yaml"
    config.write_text("model: {type: gan\n  bad")
    assert main(["train", str(config), "--out", str(tmp_path / "run")]) == 2
    _one_line(capsys, "is not valid YAML: expected ',' or '}'", "at line 2, column 6")
    assert not (tmp_path / "run").exists()


def test_an_os_error_deep_in_a_command_is_one_line(tmp_path, capsys, monkeypatch):
    import ganzoo.inference

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "s.png"))

    monkeypatch.setattr(ganzoo.inference.images, "write_png", full_disk)
    assert main(["sample", "gan-ring", "--n", "4", "--out", str(tmp_path / "s.png")]) == 2
    _one_line(capsys, f"ganzoo: error: No space left on device: {tmp_path / 's.png'}")


def test_commands_start_without_tensorflow_start_up_lines(tmp_path):
    """TensorFlow writes its oneDNN/CUDA lines from C++ at import; the CLI hides them (unless --verbose),
    so that an error is the only line on stderr."""
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "ganzoo.cli", *args], capture_output=True,  # noqa: E731
                                       text=True, timeout=300, env=env)
    done = run("sample", "gan-ring", "--n", "4", "--out", str(tmp_path / "s.png"))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    failed = run("sample", "gan-ring", "--labels", "3", "--out", str(tmp_path / "t.png"))
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1, failed.stderr
    assert failed.stderr.startswith("ganzoo: error: --labels applies to class-conditional models")


def test_resuming_on_data_with_other_channels_names_the_shapes(tmp_path, capsys):
    import numpy as np

    from ganzoo.images import write_png
    from tests.test_cli import TINY_DCGAN

    folder, out = tmp_path / "faces", tmp_path / "run"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(16):
        write_png(folder / f"{index}.png", rng.integers(0, 256, (8, 8, 1), dtype=np.uint8))
    command = ["train", "dcgan-digits", "--set", f"data.name={folder}", "--epochs", "1", "--steps-per-epoch", "1",
               "--no-tensorboard", "--out", str(out), *TINY_DCGAN]
    assert main(command) == 0
    (out / "model.keras").unlink()  # as if it had stopped after its backup
    for index in range(16):
        write_png(folder / f"{index}.png", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    assert main(command) == 2
    _one_line(capsys, "does not fit the model this config builds for data of shape (8, 8, 3)",
              "Resume with the networks and data (image size, channels) the run was started with")


def test_a_run_folder_whose_model_is_another_games_is_refused(tmp_path, capsys):
    import shutil

    from ganzoo.artifacts import verified_path

    ring = tmp_path / "ring"
    assert main(["train", "gan-ring", "--epochs", "1", "--steps-per-epoch", "1", "--no-tensorboard", "--out", str(ring),
                 *TINY_RING]) == 0
    shutil.copy(verified_path("dcgan-digits", "model.keras"), ring / "model.keras")  # a file of another run
    assert main(["sample", str(ring), "--out", str(tmp_path / "s.png")]) == 2
    _one_line(capsys, "model.keras holds a DCGAN, but its run folder's config.yaml trains model.type gan (a GAN)")


def test_an_unreachable_tpu_is_one_line_before_any_work(tmp_path, capsys):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    run = tmp_path / "run"
    assert main(["train", "gan-ring", "--tpu", f"grpc://127.0.0.1:{port}", "--out", str(run), *TINY_RING]) == 2
    _one_line(capsys, f"No TPU is reachable at grpc://127.0.0.1:{port}: no connection within 3 s")
    assert not run.exists()


def test_backups_by_wall_time_are_refused_under_multi_worker(tmp_path, capsys):
    assert main(["train", "gan-ring", "--distribution", "multi_worker_mirrored", "--set",
                 "training.checkpoint_every_seconds=60", "--out", str(tmp_path / "run"), *TINY_RING]) == 2
    _one_line(capsys, "every worker takes part in each backup", "use training.checkpoint_every_steps")
