"""MultiWorkerMirroredStrategy with two worker processes on this machine (TF_CONFIG on free 127.0.0.1
ports, each process under a hard SIGKILL timeout, since a worker whose peer is gone waits forever):
`ganzoo train --distribution multi_worker_mirrored` trains on both, the workers end with equal weights,
equal within 1e-5 to one process trained with the same global batch, and only the chief writes files."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: CPU-sized runs: points (GAN), aligned image pairs (pix2pix), unpaired domains and image pools
#: (CycleGAN), labelled samples (conditional GAN), the joint game (BiGAN), lazy phases, EMA and the
#: path-length mean (StyleGAN2).
RUNS = {
    "gan-ring": ["--epochs", "2", "--steps-per-epoch", "3", "--set", "model.generator.hidden_units=[16]",
                 "--set", "model.discriminator.hidden_units=[16]", "--batch-size", "32"],
    "pix2pix-edges2digits": ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "4",
                             "--set", "data.image_size=16", "--set", "model.generator.width=4",
                             "--set", "model.discriminator.width=4", "--set", "model.discriminator.receptive_field=16"],
    "cyclegan-digits": ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "4", "--set", "data.image_size=16",
                        "--set", "model.generator.width=4", "--set", "model.generator.blocks=1",
                        "--set", "model.discriminator.width=4", "--set", "model.discriminator.receptive_field=16",
                        "--set", "model.pool_size=6"],
}
RUNS.update({
    "cgan-digits": ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16", "--set", "model.generator.width=8",
                    "--set", "model.discriminator.width=8"],
    "bigan-digits": ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16"],
    "stylegan2-digits": ["--epochs", "1", "--steps-per-epoch", "4", "--batch-size", "8", "--set", "data.image_size=8",
                         "--set", "model.generator.channel_max=8", "--set", "model.discriminator.channel_max=8",
                         "--set", "model.r1_every=2", "--set", "model.pl_weight=2.0", "--set", "model.pl_every=2",
                         "--set", "model.style_mixing=0.9"],
})
TIMEOUT_S = 240


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _environment(tmp_path, name, tf_config=None):
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    env.update(PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", GANZOO_TEST_WEIGHTS=str(tmp_path / f"{name}.npz"),
               CUDA_VISIBLE_DEVICES="")
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def _start(args, env, log):
    return subprocess.Popen([sys.executable, "-m", "tests.multi_worker_job", *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _wait(processes, logs):
    """Exit statuses; every process still running after TIMEOUT_S is killed with SIGKILL."""
    statuses = []
    for process in processes:
        try:
            statuses.append(process.wait(timeout=TIMEOUT_S))
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            pytest.fail(f"a worker did not finish in {TIMEOUT_S} s: " + " | ".join(
                Path(log.name).read_text()[-800:] for log in logs))
    return statuses


def run_cluster(tmp_path, entry, out, extra=()):
    """Trains `entry` into `out` with two local workers; returns (statuses, logs, weights per worker)."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    logs = [open(tmp_path / f"worker{index}.log", "w") for index in range(2)]
    processes = [_start([entry, "--out", str(out), "--quiet", "--distribution", "multi_worker_mirrored",
                         *RUNS[entry], *extra],
                        _environment(tmp_path, f"worker{index}", {"cluster": cluster,
                                                                  "task": {"type": "worker", "index": index}}), log)
                 for index, log in enumerate(logs)]
    statuses = _wait(processes, logs)
    for log in logs:
        log.close()
    texts = [Path(log.name).read_text() for log in logs]
    weights = [dict(np.load(tmp_path / f"worker{index}.npz")) if status == 0 else None
               for index, status in enumerate(statuses)]
    return statuses, texts, weights


def run_single(tmp_path, entry, out):
    with open(tmp_path / "single.log", "w") as log:
        status = _wait([_start([entry, "--out", str(out), "--quiet", *RUNS[entry]],
                               _environment(tmp_path, "single"), log)], [log])[0]
    assert status == 0, (tmp_path / "single.log").read_text()[-2000:]
    return dict(np.load(tmp_path / "single.npz"))


def _assert_close(got, expected, what):
    assert len(got) == len(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-5, err_msg=f"{what}: weight {key}")


def _files(folder):
    return sorted(str(path.relative_to(folder)) for path in Path(folder).rglob("*")
                  if path.is_file() and "tensorboard" not in path.parts)


@pytest.mark.parametrize("entry", [
    "gan-ring",
    pytest.param("pix2pix-edges2digits", marks=pytest.mark.slow),
    *(pytest.param(entry, marks=pytest.mark.slow)
      for entry in ("cyclegan-digits", "cgan-digits", "bigan-digits", "stylegan2-digits")),
])
def test_two_workers_train_what_one_process_trains(entry, tmp_path):
    statuses, logs, weights = run_cluster(tmp_path, entry, tmp_path / "cluster")
    assert statuses == [0, 0], "\n".join(log[-1500:] for log in logs)
    assert "2 replicas on 2 workers" in logs[0] and "global minibatch" in logs[0]
    _assert_close(weights[1], weights[0], "worker 1 against the chief")
    _assert_close(weights[0], run_single(tmp_path, entry, tmp_path / "single"), "the cluster against one process")
    assert _files(tmp_path / "cluster") == _files(tmp_path / "single")  # the chief's files, and no one else's


@pytest.mark.slow
def test_a_worker_killed_mid_run_resumes_from_the_chiefs_backup(tmp_path):
    """Worker 1 is killed after step 4 (the chief's backup is of step 3, the end of epoch 1), the chief,
    left waiting for it, is killed too; the same command on both resumes and ends with the weights of
    an uninterrupted single-process run."""
    entry, out = "gan-ring", tmp_path / "cluster"
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    args = [entry, "--out", str(out), "--quiet", "--distribution", "multi_worker_mirrored", *RUNS[entry]]
    logs = [open(tmp_path / f"first{index}.log", "w") for index in range(2)]
    envs = [_environment(tmp_path, f"first{index}", {"cluster": cluster, "task": {"type": "worker", "index": index}})
            for index in range(2)]
    envs[1]["GANZOO_FAULT"] = "at_step:4"
    chief, worker = (_start(args, env, log) for env, log in zip(envs, logs))
    assert worker.wait(timeout=TIMEOUT_S) == -9  # killed by its fault point
    try:
        chief.wait(timeout=20)
    except subprocess.TimeoutExpired:
        chief.kill()
        chief.wait()
    for log in logs:
        log.close()
    assert not (out / "model.keras").exists() and sorted(p.name for p in (out / "backup").glob("step-*")) == [
        "step-000000000003.keras"]
    statuses, texts, weights = run_cluster(tmp_path, entry, out)
    assert statuses == [0, 0], "\n".join(text[-1500:] for text in texts)
    _assert_close(weights[1], weights[0], "worker 1 against the chief")
    _assert_close(weights[0], run_single(tmp_path, entry, tmp_path / "single"), "the resumed cluster against one process")
