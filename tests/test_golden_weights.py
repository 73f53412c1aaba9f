"""Behaviour kept: two zoo entries retrained from their seed must end with exactly the weights recorded
in `tests/golden/weights.json`.

The digest is the sha256 of the ordered weight arrays (dtype, shape and bytes of every weight of the
generator, then of the discriminator), not of a `.keras` file, which holds a save date. A refactor of
the trainer, the registry or the data pipeline that changes a single bit of training shows here.

The last bits of a float32 convolution depend on the kernels oneDNN picks for the CPU's instruction
set, and a GAN's training amplifies them (10 DCGAN steps on a machine with AMX end about 5% away, in
places, from the same steps without oneDNN), so a digest is recorded per CPU kind: the instruction-set
extensions in `cpu_kind()`. On a CPU kind with no recorded digest the test is skipped and says how to
record one (from a checkout whose training is known to be unchanged).
Regenerate for a change that is meant to alter training: `python -m tests.test_golden_weights` (on each
CPU kind, or the others are dropped).
"""

import hashlib
import json
from pathlib import Path

import keras
import numpy as np
import pytest

#: The extensions that decide which float32 kernels oneDNN and Eigen run on an x86 CPU.
CPU_EXTENSIONS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "avx512_vnni", "amx_bf16", "amx_fp16",
                  "amx_tile")

GOLDEN_FILE = Path(__file__).parent / "golden" / "weights.json"

#: entry -> the `ganzoo.training.train` flags of its golden run (float32, the default strategy).
GOLDEN_RUNS = {
    "gan-ring": {"epochs": 2, "seed": 0},
    "dcgan-digits": {"epochs": 1, "steps_per_epoch": 10, "seed": 0},
}


def weights_digest(model):
    """sha256 over the generator's then the discriminator's weights: dtype, shape and raw bytes."""
    digest = hashlib.sha256()
    for network in (model.generator, model.discriminator):
        for weight in network.weights:
            array = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
            digest.update(f"{array.dtype}|{array.shape}|".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def cpu_kind():
    """The CPU's architecture and the extensions of CPU_EXTENSIONS it has, e.g. "x86_64:avx2+fma+avx512f"."""
    import platform

    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    return platform.machine() + ":" + "+".join(name for name in CPU_EXTENSIONS if name in flags)


def golden_run(entry, out):
    """Trains `entry` as `ganzoo train` does. The data order is a function of the run's seed and the
    step only, so TensorFlow's global seed (which other tests set) does not matter."""
    from ganzoo import run_folder, training

    run_dir = training.train(entry, out=out, tensorboard=False, verbose=0, **GOLDEN_RUNS[entry])
    return weights_digest(run_folder.load_run(run_dir))


@pytest.mark.parametrize("entry", sorted(GOLDEN_RUNS))
def test_retrained_weights_match_the_golden_digest(entry, tmp_path):
    recorded = json.loads(GOLDEN_FILE.read_text())[entry]
    assert recorded["flags"] == GOLDEN_RUNS[entry]
    kind = cpu_kind()
    if kind not in recorded["sha256"]:
        pytest.skip(f"no golden digest recorded for CPU kind {kind!r} (recorded: {sorted(recorded['sha256'])}); "
                    "record it with `python -m tests.test_golden_weights --add` from a checkout whose training is "
                    "known to be unchanged")
    assert golden_run(entry, tmp_path / entry) == recorded["sha256"][kind]


if __name__ == "__main__":
    import sys
    import tempfile

    add = "--add" in sys.argv[1:]  # keep the other CPU kinds' digests (training unchanged)
    kept = json.loads(GOLDEN_FILE.read_text()) if add else {}
    with tempfile.TemporaryDirectory() as tmp:
        golden = {entry: {"flags": flags,
                          "sha256": {**(kept.get(entry, {}).get("sha256", {}) if add else {}),
                                     cpu_kind(): golden_run(entry, Path(tmp) / entry)}}
                  for entry, flags in sorted(GOLDEN_RUNS.items())}
    GOLDEN_FILE.write_text(json.dumps(golden, indent=1) + "\n")
    print(json.dumps(golden, indent=1))
