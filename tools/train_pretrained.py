"""Trains zoo entries with their own recipes and ships them under pretrained/<entry>/: the whole
model (`model.keras`, for fine-tuning), a SavedModel of its inference signatures (`saved_model/`) and a
float16 TFLite file (`model_float16.tflite`); records each file's sha256 and size, the metrics
(measured with `ganzoo evaluate`), the config, the CPU time, the ganzoo version and the recipe in the
manifest, then brings the README's table and setup.cfg in step (tools/sync_pretrained.py).

    python tools/train_pretrained.py gan-ring gan-grid dcgan-digits
    python tools/train_pretrained.py stylegan2-digits --from-run runs/stylegan2-digits   # ship a finished run
    python tools/train_pretrained.py dcgan-digits --formats-only   # re-export the shipped weights

`--from-run` ships a finished `ganzoo train` run instead of training again; its recorded config must be
the entry's own with the same seed. `--formats-only` exports the shipped `model.keras` (sha256-checked)
again and keeps its recorded metrics: the weights do not change.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ganzoo  # noqa: E402
from ganzoo import artifacts, deploy, evaluation, run_folder, training  # noqa: E402

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


def export_formats(model, target):
    """Writes the SavedModel and the float16 TFLite file of `model` into `target`; their file names."""
    saved = deploy.export(model, target / "saved_model", format="saved_model", overwrite=True)
    lite = deploy.export(model, target / "model_float16.tflite", format="tflite", quantize="float16", overwrite=True)
    return [str(path.relative_to(target)) for path in sorted(saved.rglob("*")) if path.is_file()] + [lite.name]


def ship(entry, out_dir, seed, from_run=None, formats_only=False):
    config = ganzoo.get_config(entry, {"training.seed": seed})
    data = config["data"]["name"]
    if data not in METRICS:
        raise SystemExit(f"{entry}: no shipping metrics for data {data!r} yet (known: {', '.join(METRICS)})")
    target = Path(out_dir) / entry
    recipe = f"python tools/train_pretrained.py {entry} --seed {seed}"
    if formats_only:
        recorded = artifacts.read_manifest(out_dir).get(entry)
        if recorded is None:
            raise SystemExit(f"{entry} is not shipped in {out_dir}: train it first (without --formats-only)")
        shipped = artifacts.load_keras_model(entry, "model.keras", out_dir)
        metrics, cpu_seconds, recipe = recorded["metrics"], recorded.get("cpu_seconds"), recorded["recipe"]
        config = recorded.get("config", config)  # what it was trained with, whatever --seed says now
    else:
        started = time.process_time()
        if from_run:
            trained = finished_run(entry, config, from_run)
        else:
            with tempfile.TemporaryDirectory() as scratch:
                run_dir = training.train(entry, out=Path(scratch) / entry, seed=seed, verbose=2, tensorboard=False)
                trained = run_folder.load_run(run_dir)
        cpu_seconds = None if from_run else round(time.process_time() - started, 1)
        shipped = ganzoo.zoo.build_from_config(config, sample_shape=trained.sample_shape, compile=False)
        shipped.set_weights(trained.get_weights())  # the networks and seed state, without optimiser state
        target.mkdir(parents=True, exist_ok=True)
        shipped.save(target / "model.keras")
        names = METRICS[data] + (("class_accuracy_digits",) if shipped.conditional else ())
        rows = evaluation.evaluate(target / "model.keras", metrics=names, n=SAMPLES[data], seed=0, data=data)
        metrics = {"seed": 0, "n": SAMPLES[data],
                   **{row["metric"]: {k: row[k] for k in ("value", "n_fake", "n_real", "std") if row.get(k) is not None}
                      for row in rows}}
    files = ["model.keras", *export_formats(shipped, target)]
    return artifacts.record_artifact(entry, files, directory=out_dir, metrics=metrics, recipe=recipe,
                                     description=ganzoo.list_models()[entry], config=config,
                                     cpu_seconds=cpu_seconds, ganzoo_version=ganzoo.__version__)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entries", nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "pretrained"))
    parser.add_argument("--from-run", help="ship this finished run of the (single) entry instead of training")
    parser.add_argument("--formats-only", action="store_true", help="re-export the shipped model.keras")
    args = parser.parse_args()
    if args.from_run and len(args.entries) != 1:
        parser.error("--from-run ships one entry")
    for entry in args.entries:
        described = ship(entry, args.out, args.seed, args.from_run, args.formats_only)
        print(entry, {name: described[name] for name in ("files", "metrics")}, flush=True)
    if Path(args.out).resolve() == (Path(__file__).resolve().parents[1] / "pretrained"):
        subprocess.run([sys.executable, str(Path(__file__).with_name("sync_pretrained.py"))], check=True)


if __name__ == "__main__":
    main()
