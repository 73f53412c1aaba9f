"""Trains zoo entries with their own recipes and ships them under pretrained/<entry>/model.keras,
recording sha256, size, metrics (measured with `ganzoo evaluate`) and the recipe in the manifest.

    python tools/train_pretrained.py gan-ring gan-grid dcgan-digits
    python tools/train_pretrained.py stylegan2-digits --from-run runs/stylegan2-digits   # ship a finished run

`--from-run` ships a finished `ganzoo train` run instead of training again; its recorded config must be
the entry's own with the same seed.
"""

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ganzoo  # noqa: E402
from ganzoo import evaluation, run_folder, training  # noqa: E402
from ganzoo.artifacts import record_artifact  # noqa: E402

METRICS = {"digits": ("fd_digits", "kid_digits", "cs_digits"), "ring": ("modes",), "grid": ("modes",)}
SAMPLES = {"digits": 2000, "ring": 2500, "grid": 2500}


def finished_run(entry, config, run_dir):
    """The model of a finished run of exactly `config` (refuses any other run)."""
    recorded = run_folder.read_config(run_dir)
    different = sorted(key for key in set(recorded) | set(config) if key != "description"
                       and recorded.get(key) != config.get(key))
    if different:
        raise SystemExit(f"{run_dir} was not trained with {entry}'s config (sections differ: {different})")
    if not (Path(run_dir) / run_folder.MODEL_FILE).is_file():
        raise SystemExit(f"{run_dir} has not finished (no {run_folder.MODEL_FILE})")
    return run_folder.load_run(run_dir)


def ship(entry, out_dir, seed, from_run=None):
    config = ganzoo.get_config(entry, {"training.seed": seed})
    if from_run:
        trained = finished_run(entry, config, from_run)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            run_dir = training.train(entry, out=Path(scratch) / entry, seed=seed, verbose=2, tensorboard=False)
            trained = run_folder.load_run(run_dir)
    data = config["data"]["name"]
    shipped = ganzoo.zoo.build_from_config(config, sample_shape=trained.sample_shape, compile=False)
    shipped.set_weights(trained.get_weights())  # the networks and seed state, without optimiser state
    target = Path(out_dir) / entry
    target.mkdir(parents=True, exist_ok=True)
    shipped.save(target / "model.keras")
    names = METRICS[data] + (("class_accuracy_digits",) if shipped.conditional else ())
    rows = evaluation.evaluate(target / "model.keras", metrics=names, n=SAMPLES[data], seed=0, data=data)
    metrics = {row["metric"]: {k: row[k] for k in ("value", "n_fake", "n_real", "std") if row.get(k) is not None}
               for row in rows}
    return record_artifact(entry, ["model.keras"], directory=out_dir,
                           metrics={"seed": 0, "n": SAMPLES[data], **metrics},
                           recipe=f"python tools/train_pretrained.py {entry} --seed {seed}",
                           description=ganzoo.list_models()[entry])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entries", nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "pretrained"))
    parser.add_argument("--from-run", help="ship this finished run of the (single) entry instead of training")
    args = parser.parse_args()
    if args.from_run and len(args.entries) != 1:
        parser.error("--from-run ships one entry")
    for entry in args.entries:
        print(entry, ship(entry, args.out, args.seed, args.from_run), flush=True)


if __name__ == "__main__":
    main()
