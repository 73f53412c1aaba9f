"""StyleGAN2 on the digits: training throughput, and quality against dcgan-digits at equal wall time.

For each seed: trains `stylegan2-digits` with its shipped config (the `ganzoo train` path), then
`dcgan-digits` at its own 40 epochs and again with as many epochs as fit in StyleGAN2's wall time
(epochs = 40 x StyleGAN2's wall / DCGAN's 40-epoch wall, nothing else changed), and measures
fd_digits and kid_digits of each at N generated samples. With --conditional also trains
`stylegan2-cond-digits` and measures class accuracy. `--throughput` only times steady-state training
steps of stylegan2-digits (after warm-up, on its real training stream). Runs go to --work; a rerun
reuses finished runs recorded in --json (their timings kept) and trains the missing ones.

    python tools/benchmark_stylegan2.py --seeds 0 1 2 --json docs/benchmarks/stylegan2_digits.json
    python tools/benchmark_stylegan2.py --throughput
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.evaluation import evaluate, format_table  # noqa: E402
from ganzoo.zoo import registry  # noqa: E402

DCGAN_EPOCHS = 40


def machine():
    return {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "tensorflow": tf.__version__, "ganzoo": ganzoo.__version__}


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of each epoch of a `fit`."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def throughput(entry="stylegan2-digits", steps=48, repeats=4):
    """Steady-state training images/s of `entry` on its own training stream: `repeats` timed blocks of
    `steps` steps (a multiple of the lazy intervals, so each block runs the same phases) after one
    block of warm-up (tracing); the median block and the spread."""
    config = registry.get_config(entry)
    source = registry.open_training_data(config["data"])
    model = registry.build_from_config(config, source=source)
    timer = EpochTimer()
    model.fit(registry.training_stream(config, model, source), epochs=repeats + 1, steps_per_epoch=steps, verbose=0,
              callbacks=[timer])
    blocks = sorted(timer.seconds[1:])
    batch = model.real_batch_size(config["data"]["batch_size"])
    median = blocks[len(blocks) // 2]
    return {"entry": entry, "steps_per_block": steps, "batch": batch, "block_seconds": blocks,
            "images_per_second": steps * batch / median, "ms_per_step": 1000 * median / steps}


def train_and_measure(entry, run_dir, overrides, metrics, n, seed, previous=None):
    """Trains `entry` into `run_dir` (unless `previous` records it finished) and measures it."""
    if previous is None:
        start_cpu, start_wall = time.process_time(), time.time()
        ganzoo.training.train(entry, out=run_dir, overrides=overrides, overwrite=True, verbose=2, tensorboard=False)
        timing = {"cpu_seconds": time.process_time() - start_cpu, "wall_seconds": time.time() - start_wall}
    else:
        timing = {key: previous[key] for key in ("cpu_seconds", "wall_seconds")}
    rows = evaluate(run_dir, metrics=metrics, n=n, seed=seed)
    print(f"\n{run_dir} ({timing['wall_seconds']:.0f} s wall)\n{format_table(rows)}")
    return {"entry": entry, "overrides": overrides, **timing, "rows": rows}


def run_recorded(report, previous, args, key, entry, overrides, metrics, seed):
    """Trains and measures run `key` (reusing a finished one recorded with the same overrides) and
    saves the report after it."""
    done = previous.get(key)
    report["runs"][key] = train_and_measure(entry, f"{args.work}/{key}", overrides, metrics, args.n, seed,
                                            done if done and done["overrides"] == overrides else None)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return report["runs"][key]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--conditional", action="store_true", help="also stylegan2-cond-digits")
    parser.add_argument("--throughput", action="store_true", help="only time training steps")
    parser.add_argument("--work", default="runs/benchmark_stylegan2")
    parser.add_argument("--json")
    args = parser.parse_args()
    report = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).exists() else {}
    report["machine"] = machine()
    if args.throughput:
        report["throughput"] = throughput()
        print(json.dumps(report["throughput"], indent=1))
    else:
        previous = report.get("runs", {})
        report["runs"] = dict(previous)
        digits = ["fd_digits", "kid_digits"]
        for seed in args.seeds:
            def run(name, entry, overrides, metrics=digits):
                return run_recorded(report, previous, args, f"{name}_seed{seed}", entry,
                                    {"training.seed": seed, **overrides}, metrics, seed)

            stylegan = run("stylegan2-digits", "stylegan2-digits", {})
            dcgan = run(f"dcgan-digits_{DCGAN_EPOCHS}epochs", "dcgan-digits", {"training.epochs": DCGAN_EPOCHS})
            epochs = max(DCGAN_EPOCHS, round(DCGAN_EPOCHS * stylegan["wall_seconds"] / dcgan["wall_seconds"]))
            run("dcgan-digits_equal_wall", "dcgan-digits", {"training.epochs": epochs})
            if args.conditional:
                run("stylegan2-cond-digits", "stylegan2-cond-digits", {}, digits + ["class_accuracy_digits"])
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
