"""Trains zoo entries with their own recipes and ships them under pretrained/<entry>/: the whole
model (`model.keras`, for fine-tuning, where it is at most KERAS_LIMIT_BYTES), a SavedModel of its
inference signatures (`saved_model/`) and a float16 TFLite file (`model_float16.tflite`); records each
file's sha256 and size, the metrics (`ganzoo evaluate` of the finished run with the metrics that suit
the entry, `default_metrics`), the config, the CPU time, the ganzoo version and the recipe in the
manifest, then brings the README's table and setup.cfg in step (tools/sync_pretrained.py).

An entry without `model.keras` (the pix2pix U-Nets, 4.2M parameters: 17 MB per float32 copy) still
loads as a trainer: `ganzoo.load` restores its inference networks from the shipped SavedModel.

    python tools/train_pretrained.py gan-ring gan-grid dcgan-digits
    python tools/train_pretrained.py stylegan2-digits --from-run runs/stylegan2-digits   # ship a finished run
    python tools/train_pretrained.py dcgan-digits --formats-only   # re-export the shipped weights

Each entry trains in `--work`/ENTRY (default runs/pretrained/ENTRY): rerun the command after an
interruption and the run resumes from its newest backup; a finished run there (or the one `--from-run`
names) is shipped without training again, and its recorded config must be the entry's own with the
same seed. `--formats-only` exports the shipped `model.keras` (sha256-checked)
again and keeps its recorded metrics: the weights do not change.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ganzoo  # noqa: E402
from ganzoo import artifacts, deploy, evaluation, run_folder, training  # noqa: E402

#: Generated samples measured per data set (the mode protocol's 2500; others 2000; translation models
#: are measured on their whole held-out split).
SAMPLES = {"ring": 2500, "grid": 2500}
#: The whole model ships as model.keras up to this size (pretrained/ stays near 120 MB in all).
KERAS_LIMIT_BYTES = 10_000_000


def config_differences(recorded, config):
    """The differences between two configs but for the description (a key absent from an older
    record is its default, None)."""
    return [change for change in run_folder.differences(recorded, config) if change[0] != "description"]


def finished_run(entry, config, run_dir):
    """The model of a finished run of exactly `config` (refuses any other run)."""
    different = config_differences(run_folder.read_config(run_dir), config)
    if different:
        raise SystemExit(f"{run_dir} was not trained with {entry}'s config (differences: {different})")
    if not (Path(run_dir) / run_folder.MODEL_FILE).is_file():
        raise SystemExit(f"{run_dir} has not finished (no {run_folder.MODEL_FILE})")
    return run_folder.load_run(run_dir)


def export_formats(model, target):
    """Writes the SavedModel and the float16 TFLite file of `model` into `target`; their file names."""
    saved = deploy.export(model, target / "saved_model", format="saved_model", overwrite=True)
    lite = deploy.export(model, target / "model_float16.tflite", format="tflite", quantize="float16", overwrite=True)
    return [str(path.relative_to(target)) for path in sorted(saved.rglob("*")) if path.is_file()] + [lite.name]


def measured(run_dir, data):
    """The manifest's metrics of a finished run: `default_metrics` at seed 0."""
    n = SAMPLES.get(data)
    rows = evaluation.evaluate(run_dir, n=n, seed=0)
    return {"seed": 0, **({"n": n} if n else {}),
            **{row["metric"]: {k: row[k] for k in ("value", "n_fake", "n_real", "std") if row.get(k) is not None}
               for row in rows}}


def trained_model(entry, config, seed, run_dir):
    """(the trained model, its metrics, CPU seconds or None): trains `entry` into `run_dir`, resuming
    an interrupted run there, or takes the finished run it holds (which must be of this config)."""
    run_dir = Path(run_dir)
    fresh = not run_dir.exists()
    if not (run_dir / run_folder.MODEL_FILE).is_file():
        started = time.process_time()
        training.train(entry, out=run_dir, seed=seed, verbose=2, tensorboard=False)
        cpu_seconds = round(time.process_time() - started, 1) if fresh else None  # a resumed run's is partial
    else:
        cpu_seconds = None
    return finished_run(entry, config, run_dir), measured(run_dir, config["data"]["name"]), cpu_seconds


def ship(entry, out_dir, seed, run_dir, formats_only=False):
    config = ganzoo.get_config(entry, {"training.seed": seed})
    target = Path(out_dir) / entry
    recipe = f"python tools/train_pretrained.py {entry} --seed {seed}"
    left_out = {}
    if formats_only:
        recorded = artifacts.read_manifest(out_dir).get(entry)
        if recorded is None or "model.keras" not in recorded["files"]:
            raise SystemExit(f"{entry} has no shipped model.keras in {out_dir} to export again: train it (without "
                             f"--formats-only)")
        shipped = artifacts.load_keras_model(entry, "model.keras", out_dir)
        metrics, cpu_seconds, recipe = recorded["metrics"], recorded.get("cpu_seconds"), recorded["recipe"]
        config = recorded.get("config", config)  # what it was trained with, whatever --seed says now
    else:
        trained, metrics, cpu_seconds = trained_model(entry, config, seed, run_dir)
        recorded = artifacts.read_manifest(out_dir).get(entry, {})
        if cpu_seconds is None and recorded and not config_differences(recorded.get("config", {}), config):  # shipped again
            cpu_seconds = recorded.get("cpu_seconds")
        shipped = ganzoo.zoo.build_from_config(config, sample_shape=trained.example_shape, compile=False)
        shipped.set_weights(trained.get_weights())  # the networks and seed state, without optimiser state
        target.mkdir(parents=True, exist_ok=True)
        shipped.save(target / "model.keras")
        size = (target / "model.keras").stat().st_size
        if size > KERAS_LIMIT_BYTES:
            (target / "model.keras").unlink()
            left_out["model.keras"] = (f"the whole model is {size / 1e6:.1f} MB (over {KERAS_LIMIT_BYTES / 1e6:.0f}); "
                                       f"ganzoo.load restores its inference networks from the SavedModel, and "
                                       f"`ganzoo train {entry}` remakes it")
    files = (["model.keras"] if (target / "model.keras").exists() else []) + export_formats(shipped, target)
    return artifacts.record_artifact(entry, files, directory=out_dir, metrics=metrics, recipe=recipe,
                                     description=ganzoo.list_models()[entry], config=config,
                                     cpu_seconds=cpu_seconds, ganzoo_version=ganzoo.__version__,
                                     **({"left_out": left_out} if left_out else {}))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entries", nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "pretrained"))
    parser.add_argument("--work", default="runs/pretrained", help="run folders: WORK/ENTRY is trained (or resumed) "
                                                                  "there, or shipped as it is when it has finished")
    parser.add_argument("--from-run", help="the run folder of the (single) entry instead of WORK/ENTRY")
    parser.add_argument("--formats-only", action="store_true", help="re-export the shipped model.keras")
    args = parser.parse_args()
    if args.from_run and len(args.entries) != 1:
        parser.error("--from-run ships one entry")
    for entry in args.entries:
        described = ship(entry, args.out, args.seed, args.from_run or Path(args.work) / entry, args.formats_only)
        print(entry, {name: described[name] for name in ("files", "metrics")}, flush=True)
    if Path(args.out).resolve() == (Path(__file__).resolve().parents[1] / "pretrained"):
        subprocess.run([sys.executable, str(Path(__file__).with_name("sync_pretrained.py"))], check=True)


if __name__ == "__main__":
    main()
