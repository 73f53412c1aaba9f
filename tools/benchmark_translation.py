"""Translation quality on held-out data, for pix2pix and CycleGAN zoo entries.

For a pix2pix entry, trains the entry and an L1-only baseline (the same config with
`model.adversarial_weight=0`: same architecture, data, seed and budget), then reports L1 and PSNR on
the held-out pairs (and, for digits, the classifier's accuracy on the outputs), in both inference
modes (paper mode with test batches of the training batch size, so batch norm sees batches like
those it was trained on). For a CycleGAN entry, trains it and reports cycle error, L1/PSNR against the known transform
and class survival in both directions. Training goes through `ganzoo.training.train` (the `ganzoo train`
path) into --work; results are printed and written as JSON.

    python tools/benchmark_translation.py pix2pix-edges2digits --seed 0 --json docs/benchmarks/translation_pix2pix-edges2digits_seed0.json
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ganzoo  # noqa: E402
from ganzoo.data.translation import KNOWN_TRANSFORMS, digits_views  # noqa: E402
from ganzoo.evaluation import evaluate, format_table  # noqa: E402
from ganzoo.trainers import INFERENCE_MODES  # noqa: E402


def train_and_measure(entry, run_dir, overrides, metrics, batch_size, previous=None):
    """Trains into `run_dir` (or, with `previous`, the record of an earlier run of this command,
    re-measures the finished run there and keeps its timings) and measures it in both modes."""
    if previous is None:
        start_cpu, start_wall = time.process_time(), time.time()
        ganzoo.training.train(entry, out=run_dir, overrides=overrides, overwrite=True, verbose=2, tensorboard=False)
        timing = {"cpu_seconds": time.process_time() - start_cpu, "wall_seconds": time.time() - start_wall}
    else:
        if previous["overrides"] != overrides:
            raise SystemExit(f"{run_dir} was trained with other overrides: {previous['overrides']}")
        timing = {key: previous[key] for key in ("cpu_seconds", "wall_seconds")}
    results = {}
    for mode in INFERENCE_MODES:  # paper mode: batch statistics over test batches as large as training's
        rows = evaluate(run_dir, metrics=metrics, mode=mode, batch_size=batch_size)
        print(f"\n{run_dir} ({mode} mode)\n{format_table(rows)}")
        results[mode] = rows
    return {"overrides": overrides, **timing, "results": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entry")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override (both runs)")
    parser.add_argument("--work", default="runs/benchmark_translation")
    parser.add_argument("--json")
    parser.add_argument("--measure-only", action="store_true",
                        help="re-measure the finished runs in --work recorded in the --json file (no training)")
    args = parser.parse_args()
    recorded = {}
    if args.measure_only:
        with open(args.json) as file:
            recorded = json.load(file)["runs"]
    overrides = {"training.seed": args.seed, **dict(ganzoo.zoo.parse_override(text) for text in args.set)}
    config = ganzoo.get_config(args.entry, overrides)
    data = config["data"]["name"]
    views = digits_views(data, config["data"]["reverse"])
    digits = views[1] is not None if config["model"]["type"] == "pix2pix" else None not in views
    report = {"entry": args.entry, "seed": args.seed, "config": config, "runs": {}}
    if config["model"]["type"] == "pix2pix":
        metrics = ["l1", "psnr"] + (["class_accuracy_digits", "fd_digits", "kid_digits"] if digits else
                                    ["colourfulness"])
        report["runs"]["pix2pix"] = train_and_measure(args.entry, f"{args.work}/{args.entry}_seed{args.seed}",
                                                      overrides, metrics, config["data"]["batch_size"],
                                                      recorded.get("pix2pix"))
        report["runs"]["l1_only"] = train_and_measure(args.entry, f"{args.work}/{args.entry}_l1only_seed{args.seed}",
                                                      {**overrides, "model.adversarial_weight": 0.0}, metrics,
                                                      config["data"]["batch_size"], recorded.get("l1_only"))
    else:
        metrics = ["cycle_error"] + (["l1", "psnr"] if data in KNOWN_TRANSFORMS else []) + \
                  (["class_accuracy_digits"] if digits else [])
        report["runs"]["cyclegan"] = train_and_measure(args.entry, f"{args.work}/{args.entry}_seed{args.seed}",
                                                       overrides, metrics, config["data"]["batch_size"],
                                                       recorded.get("cyclegan"))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(report, file, indent=1)
            file.write("\n")


if __name__ == "__main__":
    main()
