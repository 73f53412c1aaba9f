"""Behaviour kept: two zoo entries retrained from their seed must end with exactly the weights recorded
in `tests/golden/weights.json`.

The digest is the sha256 of the ordered weight arrays (dtype, shape and bytes of every weight of the
generator, then of the discriminator), not of a `.keras` file, which holds a save date. A refactor of
the trainer, the registry or the data pipeline that changes a single bit of training shows here.
Regenerate the file only for a change that is meant to alter training: `python -m tests.test_golden_weights`.
"""

import hashlib
import json
from pathlib import Path

import keras
import numpy as np
import pytest

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
    assert golden_run(entry, tmp_path / entry) == recorded["sha256"]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        golden = {entry: {"flags": flags, "sha256": golden_run(entry, Path(tmp) / entry)}
                  for entry, flags in sorted(GOLDEN_RUNS.items())}
    GOLDEN_FILE.write_text(json.dumps(golden, indent=1) + "\n")
    print(json.dumps(golden, indent=1))
