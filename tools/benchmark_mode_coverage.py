"""Mode coverage of zoo entries on the 2D mixtures, over several seeds.

Trains each entry from its zoo config, draws 2,500 samples, and prints modes captured, high-quality
fraction and reverse KL as mean +- standard error beside PacGAN's published rows (Lin et al. 2018,
Table 1, 10 runs) as a Markdown table. Example:

    python tools/benchmark_mode_coverage.py gan-ring gan-grid --seeds 0 1 2
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.metrics import mode_coverage  # noqa: E402
from ganzoo.zoo.registry import training_dataset  # noqa: E402

PUBLISHED = {  # PacGAN Table 1: modes, high-quality %, reverse KL
    "ring": {"GAN (PacGAN paper)": (6.3, 98.2, 0.45), "PacGAN4 (PacGAN paper)": (7.8, 95.9, 0.07)},
    "grid": {"GAN (PacGAN paper)": (17.3, 94.8, 0.70), "PacGAN4 (PacGAN paper)": (24.8, 93.6, 0.04)},
}


def run_entry(entry, seed, num_samples, overrides):
    config = ganzoo.get_config(entry, {"training.seed": seed, **overrides})
    model = ganzoo.zoo.build_from_config(config)
    data = config["data"]
    dataset = training_dataset(config, model)
    start = time.process_time()
    model.fit(dataset, epochs=config["training"]["epochs"], steps_per_epoch=config["training"]["steps_per_epoch"],
              verbose=0, shuffle=False)
    cpu_seconds = time.process_time() - start
    result = mode_coverage(model.generate(num_samples, seed=10_000 + seed), ganzoo.data.MIXTURES[data["name"]])
    return {**result, "seed": seed, "cpu_seconds": cpu_seconds}


def summarise(values):
    values = np.asarray(values, float)
    stderr = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return values.mean(), stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("entries", nargs="*", help="zoo entries to train (none with --from-json)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=2500)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", help="also write every run's numbers to this file")
    parser.add_argument("--from-json", nargs="+", default=[], metavar="FILE",
                        help="tabulate runs saved by earlier --json calls (with any entries trained now)")
    args = parser.parse_args()
    if not args.entries and not args.from_json:
        parser.error("name zoo entries to train, or --from-json files to tabulate")
    overrides = dict(ganzoo.zoo.parse_override(text) for text in args.set)
    runs = []
    for path in args.from_json:
        with open(path) as file:
            runs.extend(json.load(file))
    trained = []
    for entry in args.entries:
        for seed in args.seeds:
            result = {"entry": entry, **run_entry(entry, seed, args.samples, overrides)}
            print(f"{entry} seed {seed}: {json.dumps(result)}", flush=True)
            trained.append(result)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(trained, file, indent=1)
    print_table(runs + trained)


def print_table(runs):
    rows = []
    for entry in dict.fromkeys(run["entry"] for run in runs):
        results = [run for run in runs if run["entry"] == entry]
        mixture = ganzoo.get_config(entry)["data"]["name"]
        modes, hq, kl, cpu = (summarise([r[k] for r in results])
                              for k in ("modes_captured", "high_quality_fraction", "reverse_kl", "cpu_seconds"))
        seeds = " ".join(str(r["seed"]) for r in results)
        rows.append((mixture, f"`{entry}`", f"{modes[0]:.1f} +- {modes[1]:.1f}",
                     f"{100 * hq[0]:.1f} +- {100 * hq[1]:.1f}", f"{kl[0]:.3f} +- {kl[1]:.3f}", f"{cpu[0]:.0f}",
                     f"{len(results)} (seeds {seeds})"))
    for mixture in dict.fromkeys(row[0] for row in rows):
        for name, (m, h, k) in PUBLISHED[mixture].items():
            rows.append((mixture, name, f"{m}", f"{h}", f"{k}", "", "10"))
    header = ("mixture", "model", "modes", "high quality %", "reverse KL", "CPU s/run", "runs")
    samples = sorted({run["num_samples"] for run in runs})
    print(f"\n{samples} samples per run; mean +- standard error over seeds\n")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in sorted(rows, key=lambda r: r[0]):
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
