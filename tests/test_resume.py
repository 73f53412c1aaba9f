"""Never lose a run: a run stopped at any fault point (GANZOO_FAULT) and rerun with the same command
ends with exactly the weights, history and TensorBoard steps of a run that was never interrupted.

One run folder goes through every fault point in turn (each rerun resumes from whatever the previous
fault left behind), so a single inexact resume anywhere shows in the final comparison. Kills are
simulated in-process (`GANZOO_FAULT_KILL=raise`) except in the subprocess test, which uses SIGKILL."""

import csv
import hashlib
import io
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import backup
from ganzoo.errors import BackupError
from ganzoo.faults import SimulatedKill
from tests.zoo.test_registry import COMMON, TINY

BUDGET = {"epochs": 4, "steps_per_epoch": 2}  # 8 steps, a backup after every epoch by default


def tiny_overrides(entry):
    config = ganzoo.get_config(entry)
    overrides = {**TINY[config["model"]["architecture"]], **COMMON}
    if config["data"]["name"] not in ganzoo.data.MIXTURES:
        overrides.pop("data.num_samples")
    return overrides


def train(entry, out, fault=None, monkeypatch=None, **overrides):
    if fault:
        monkeypatch.setenv("GANZOO_FAULT", fault)
    try:
        return ganzoo.training.train(entry, out=out, overrides={**tiny_overrides(entry), **overrides}, verbose=0,
                                     image_every_steps=3, metrics_every_epochs=100, **BUDGET)
    finally:
        if monkeypatch:
            monkeypatch.delenv("GANZOO_FAULT", raising=False)


def weights_digest(model):
    """sha256 over every variable of the trainer (networks, EMA copies, pools, seed states) and of its
    optimisers, in order."""
    digest = hashlib.sha256()
    variables = list(model.variables) + [v for name in sorted(model.player_optimizers)
                                         for v in model.player_optimizers[name].variables]
    for variable in variables:
        array = np.ascontiguousarray(np.asarray(variable))
        digest.update(f"{array.dtype}|{array.shape}|".encode() + array.tobytes())
    return digest.hexdigest()


def history(run):
    return list(csv.reader(io.StringIO((run / "history.csv").read_text())))


def logged_steps(run):
    """Counter of (tag, step) over the run's TensorBoard events."""
    seen = Counter()
    for path in (run / "tensorboard").glob("**/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                seen[(value.tag, event.step)] += 1
    return seen


def result(run):
    return weights_digest(ganzoo.run_folder.load_run(run)), history(run), logged_steps(run)


def same_history(rows, expected):
    """Whether two history.csv tables have the same header, the same epochs and the same values to a
    float32 rounding (2 units in the last place): TensorFlow has been seen to round a sum of reported
    loss terms (CycleGAN's g_loss = adversarial + 10 * cycle) one unit differently in one process than
    in another, while every weight stayed bit-identical, so the weights digest carries the exact check."""
    if rows[0] != expected[0] or [row[0] for row in rows] != [row[0] for row in expected]:
        return False
    values = np.array([[float(v) for v in row[1:]] for row in rows[1:]], np.float32)
    wanted = np.array([[float(v) for v in row[1:]] for row in expected[1:]], np.float32)
    return values.shape == wanted.shape and bool(np.all(np.abs(values - wanted) <= 2 * np.spacing(np.abs(wanted))))


def backup_steps(run):
    return [step for step, _ in backup.backups(run / "backup")]


EVERY_POINT = ["gan-ring", "pix2pix-edges2digits",
               pytest.param("cyclegan-digits", marks=pytest.mark.slow),  # ~40 s: one kill point in the fast set
               pytest.param("dcgan-digits", marks=pytest.mark.slow), pytest.param("bigan-digits", marks=pytest.mark.slow)]


@pytest.mark.parametrize("entry", EVERY_POINT)
def test_every_fault_point_resumes_to_the_uninterrupted_result(entry, tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    expected = result(train(entry, tmp_path / "uninterrupted"))
    run = tmp_path / "faulty"
    with pytest.raises(SimulatedKill):
        train(entry, run, "at_step:3", monkeypatch)  # killed mid-epoch, after the backup of step 2
    assert backup_steps(run) == [2]
    with pytest.raises(SimulatedKill):
        train(entry, run, "in_write:2000@4", monkeypatch)  # killed while writing the backup of step 4
    assert backup_steps(run) == [2] and (run / "backup" / f".partial-{backup.backup_name(4)}").stat().st_size == 2000
    with pytest.raises(SimulatedKill):
        train(entry, run, "before_rename@6", monkeypatch)  # killed with the backup of step 6 flushed, not renamed
    assert backup_steps(run) == [4, 2]
    with pytest.raises(BackupError, match=r"backup of step 6 .*No space left on device.*the backup of step 4 is intact"):
        train(entry, run, "enospc@6", monkeypatch)
    assert backup_steps(run) == [4, 2] and not list((run / "backup").glob(".partial-*"))
    with pytest.raises(SimulatedKill):  # backups every step (an execution setting): resume in mid-epoch
        train(entry, run, "at_step:6", monkeypatch, **{"training.checkpoint_every_steps": 1})
    assert backup_steps(run) == [5, 4]
    digest, rows, steps = result(train(entry, run))
    assert digest == expected[0]
    assert rows == expected[1] and [row[0] for row in rows[1:]] == ["0", "1", "2", "3"]  # each epoch once, same values
    assert steps == expected[2] and max(steps.values()) == 1  # no TensorBoard step logged twice
    assert "training.checkpoint_every_steps" in (run / "changes.log").read_text()


def test_cyclegan_resumes_its_pools_and_seed_streams_in_mid_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    expected = result(train("cyclegan-digits", tmp_path / "uninterrupted"))
    run = tmp_path / "killed"
    with pytest.raises(SimulatedKill):
        train("cyclegan-digits", run, "at_step:4", monkeypatch, **{"training.checkpoint_every_steps": 1})
    assert backup_steps(run) == [3, 2]
    digest, rows, steps = result(train("cyclegan-digits", run))
    assert digest == expected[0] and steps == expected[2] and same_history(rows, expected[1])


def test_a_damaged_newest_backup_falls_back_to_the_previous(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    expected = weights_digest(ganzoo.run_folder.load_run(train("gan-ring", tmp_path / "uninterrupted")))
    run = tmp_path / "damaged"
    with pytest.raises(SimulatedKill):
        train("gan-ring", run, "at_step:7", monkeypatch)
    newest = run / "backup" / backup.backup_name(6)
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the weights
    newest.write_bytes(bytes(data))
    assert weights_digest(ganzoo.run_folder.load_run(train("gan-ring", run))) == expected
    assert f"skipping a damaged backup: {newest}" in capsys.readouterr().err


def test_a_changed_learning_rate_is_refused_unless_accepted_and_then_logged(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    run = tmp_path / "run"
    with pytest.raises(SimulatedKill):
        train("gan-ring", run, "at_step:5", monkeypatch)
    lower = {"optimizer.discriminator.learning_rate": 1e-5}
    with pytest.raises(ganzoo.errors.RunDirectoryError, match="pass --accept-changes"):
        train("gan-ring", run, **lower)
    restored = ganzoo.run_folder.load_run(ganzoo.training.train(
        "gan-ring", out=run, overrides={**tiny_overrides("gan-ring"), **lower}, accept_changes=True, verbose=0,
        tensorboard=False, **BUDGET))
    assert int(restored.step_counter.numpy()) == 8
    schedule = restored.player_optimizers["discriminator"].get_config()["learning_rate"]  # the linear decay
    assert schedule["config"]["learning_rate"] == pytest.approx(1e-5)
    assert ganzoo.run_folder.read_config(run)["optimizer"]["discriminator"]["learning_rate"] == pytest.approx(1e-5)
    assert "resumed at step 4: optimizer.discriminator.learning_rate 0.0005 -> 1e-05 (identity)" in \
        (run / "changes.log").read_text()


def test_a_sigkill_in_a_backup_write_loses_nothing(tmp_path):
    """The real thing: a separate `ganzoo train` process killed by SIGKILL inside a backup write."""
    flags = ["--set", "model.latent_dim=4", "--set", "model.generator.hidden_units=[8]", "--set", "model.discriminator.hidden_units=[8]",
             "--set", "data.num_samples=256", "--batch-size", "8", "--epochs", "4", "--steps-per-epoch", "2",
             "--quiet", "--no-tensorboard"]
    command = [sys.executable, "-m", "ganzoo.cli", "train", "gan-ring", *flags]
    environment = {**os.environ, "GANZOO_FAULT": "in_write:3000@4"}
    killed = subprocess.run([*command, "--out", str(tmp_path / "run")], env=environment, capture_output=True,
                            timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert backup_steps(tmp_path / "run") == [2]
    uninterrupted = ganzoo.training.train("gan-ring", out=tmp_path / "clean", verbose=0, tensorboard=False,
                                          overrides=tiny_overrides("gan-ring"), **BUDGET)
    resumed = subprocess.run([*command, "--out", str(tmp_path / "run")], capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for left, right in zip(ganzoo.run_folder.load_run(tmp_path / "run").weights,
                           ganzoo.run_folder.load_run(uninterrupted).weights):
        np.testing.assert_array_equal(np.asarray(left), np.asarray(right))



def test_a_divergence_names_step_and_phase_and_keeps_the_last_good_backup(tmp_path, capsys):
    run = tmp_path / "run"
    ganzoo.training.train("gan-ring", out=run, overrides=tiny_overrides("gan-ring"), verbose=0, tensorboard=False,
                          epochs=1, steps_per_epoch=2)
    (run / "model.keras").unlink()  # as if it had been stopped after its first epoch's backup
    exploding = {**tiny_overrides("gan-ring"), "optimizer.discriminator.learning_rate": 1e30}
    with pytest.raises(ganzoo.errors.TrainingDivergedError) as raised:
        ganzoo.training.train("gan-ring", out=run, overrides=exploding, accept_changes=True, verbose=0,
                              tensorboard=False, epochs=2, steps_per_epoch=2)
    message = str(raised.value)
    assert message.startswith("Training diverged at step 3 (phase generator/generator_objective)"), message
    assert f"The last good backup is of step 2 ({run / 'backup' / backup.backup_name(2)})" in message
    kept = ganzoo.run_folder.load_run(run)
    assert int(kept.step_counter.numpy()) == 2 and all(np.isfinite(np.asarray(w)).all() for w in kept.weights)


def test_a_backup_due_at_an_epochs_last_step_comes_after_its_history_row(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    run = tmp_path / "run"
    with pytest.raises(SimulatedKill):  # killed inside the backup of step 4, the end of epoch 1
        train("gan-ring", run, "before_rename@4", monkeypatch, **{"training.checkpoint_every_steps": 2})
    assert [row[0] for row in history(run)[1:]] == ["0", "1"]  # the row was written before the backup
    assert logged_steps(run)[("train/d_loss", 4)] == 1


def test_switching_to_or_from_float16_on_resume_is_refused(tmp_path):
    config = ganzoo.get_config("gan-ring")
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(ganzoo.zoo.dump_config(config))
    bfloat16 = ganzoo.get_config("gan-ring", {"training.precision": "mixed_bfloat16"})
    assert ganzoo.run_folder.prepare_run_dir(run, bfloat16, overwrite=False) == [
        ("training.precision", "float32", "mixed_bfloat16")]  # an execution setting: resumes
    float16 = ganzoo.get_config("gan-ring", {"training.precision": "mixed_float16"})
    with pytest.raises(ganzoo.errors.RunDirectoryError, match="cannot switch to or from mixed_float16"):
        ganzoo.run_folder.prepare_run_dir(run, float16, overwrite=False, accept_changes=True)


def test_non_finite_weights_are_caught_before_a_backup(tmp_path):
    from ganzoo.monitors import StopOnNonFiniteLoss
    from tests.zoo.test_registry import _tiny_config

    model = ganzoo.zoo.build_from_config(_tiny_config("gan-ring"))
    check = StopOnNonFiniteLoss(tmp_path)
    check.set_model(model)
    check.check_weights()  # finite: nothing happens
    kernel = model.discriminator.trainable_weights[0]
    kernel.assign(np.full(kernel.shape, np.inf, np.float32))
    with pytest.raises(ganzoo.errors.TrainingDivergedError, match="non-finite weights in discriminator"):
        check.check_weights()


def test_several_steps_per_execution_train_and_log_the_same_steps(tmp_path, monkeypatch):
    """training.steps_per_execution=2 (an execution setting): the same weights and history as one step
    per call, TensorBoard steps that are training steps, a kill point inside an execution honoured, and
    the setting saved with the model."""
    monkeypatch.setenv("GANZOO_FAULT_KILL", "raise")
    expected = result(train("gan-ring", tmp_path / "one"))
    run = tmp_path / "two"
    with pytest.raises(SimulatedKill):
        train("gan-ring", run, "at_step:3", monkeypatch, **{"training.steps_per_execution": 2})
    assert backup_steps(run) == [2]  # killed after the execution of steps 3-4, before its epoch's backup
    digest, rows, steps = result(train("gan-ring", run, **{"training.steps_per_execution": 2}))
    assert digest == expected[0] and rows == expected[1]
    scalars = lambda logged: {key for key in logged if key[0].startswith("train/")}  # noqa: E731
    assert scalars(steps) == scalars(expected[2]) and max(steps.values()) == 1
    pictures = {step for tag, step in steps if tag == "samples"}
    assert pictures == {2, 4, 6, 8}  # every 3 steps (crossed at 4 and 6) and at each epoch's end
    assert ganzoo.run_folder.load_run(run).steps_per_execution == 2


def test_same_history_allows_float32_rounding_only():
    table = [["epoch", "g_loss"], ["0", "14.803155899047852"], ["1", "2.5"]]
    assert same_history([["epoch", "g_loss"], ["0", "14.803154945373535"], ["1", "2.5"]], table)  # one ulp
    assert not same_history([["epoch", "g_loss"], ["0", "14.8032"], ["1", "2.5"]], table)
    assert not same_history([["epoch", "g_loss"], ["0", "14.803155899047852"]], table)
