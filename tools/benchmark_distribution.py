"""Training throughput of a zoo entry on one device and on a `MirroredStrategy`, measured side by side.

Two copies of the entry (same config, same initial weights) train from the same in-memory pipeline:
(a) on one device (the default strategy), (b) under `MirroredStrategy` over every GPU of the machine or,
on a CPU-only machine, over `--devices` logical CPU devices made before TensorFlow starts. They
alternate A B A B for `--repeats` rounds of at least `--steps` training steps (more where a round would
last under `--seconds`), after a warm-up that traces both. Reported: each side's median images per
second, the median of the per-round ratios (b / a) with their range, the global and per-replica
minibatch, and the machine (cores, CPU flags, TensorFlow version, devices).

Logical CPU devices share the process's cores and thread pools, so on a CPU machine (b) measures what
the strategy costs (all-reduce, the split batch), not a speed-up; a multi-GPU machine measures scaling.

    python tools/benchmark_distribution.py --json docs/benchmarks/distribution.json
    python tools/benchmark_distribution.py dcgan-digits --devices 2 --repeats 5
"""

import argparse
import importlib.util
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402


def _throughput_tool():
    """tools/benchmark_throughput.py, for its machine description and timing of `fit`."""
    spec = importlib.util.spec_from_file_location("benchmark_throughput", Path(__file__).with_name(
        "benchmark_throughput.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def logical_cpus(count):
    """Splits the CPU into `count` logical devices (before TensorFlow initialises) when there is no GPU."""
    if not tf.config.list_physical_devices("GPU"):
        tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                                   [tf.config.LogicalDeviceConfiguration()] * count)


def mirrored_strategy():
    gpus = tf.config.list_logical_devices("GPU")
    devices = [device.name for device in gpus] or [device.name for device in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def prepared(entry, strategy, overrides):
    from ganzoo.zoo import registry

    config = registry.get_config(entry, overrides)
    with strategy.scope():
        source = registry.open_training_data(config["data"])
        model = registry.build_from_config(config, source=source)
        data = registry.training_dataset(config, model, source=source, shuffle=False).cache().repeat()
    return model, data, model.real_batch_size(config["data"]["batch_size"])


def measure(entry, devices, steps, repeats, warmup, seconds, overrides, timing):
    one = prepared(entry, tf.distribute.get_strategy(), overrides)
    strategy = mirrored_strategy()
    several = prepared(entry, strategy, overrides)
    for model, data, batch in (one, several):
        timing.images_per_second(model, data, batch, warmup)
    probe = timing.images_per_second(*one[:2], one[2], steps)
    steps = max(steps, int(-(-seconds * probe // one[2])))
    rounds = [{"one_device": timing.images_per_second(one[0], one[1], one[2], steps),
               "mirrored": timing.images_per_second(several[0], several[1], several[2], steps)}
              for _ in range(repeats)]
    ratios = [r["mirrored"] / r["one_device"] for r in rounds]
    return {"entry": entry, "replicas": strategy.num_replicas_in_sync,
            "devices": [d for d in strategy.extended.worker_devices], "global_batch": one[2],
            "per_replica_batch": one[2] // strategy.num_replicas_in_sync, "steps": steps, "repeats": repeats,
            "rounds": rounds, "one_device": statistics.median(r["one_device"] for r in rounds),
            "mirrored": statistics.median(r["mirrored"] for r in rounds), "ratio": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)]}


def markdown(report):
    lines = ["| entry | replicas (devices) | global (per replica) batch | one device images/s | mirrored images/s | "
             "ratio (per-round range) |", "| --- | --- | --- | --- | --- | --- |"]
    for row in report["rows"]:
        kinds = sorted({device.split("device:")[-1].split(":")[0] for device in row["devices"]})
        lines.append(f"| `{row['entry']}` | {row['replicas']} ({', '.join(kinds)}) | {row['global_batch']} "
                     f"({row['per_replica_batch']}) | {row['one_device']:.1f} | {row['mirrored']:.1f} | "
                     f"{row['ratio']:.2f} ({row['ratio_range'][0]:.2f}-{row['ratio_range'][1]:.2f}) |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", nargs="*", default=["dcgan-digits"])
    parser.add_argument("--devices", type=int, default=2, help="logical CPU devices on a machine without GPUs")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per round and side (at least)")
    parser.add_argument("--seconds", type=float, default=5.0, help="more steps where a round would be shorter")
    parser.add_argument("--repeats", type=int, default=3, help="A B rounds")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()
    logical_cpus(args.devices)
    from ganzoo.zoo import parse_override

    overrides = dict(parse_override(text) for text in args.set)
    timing = _throughput_tool()
    report = {"machine": timing.machine(), "overrides": overrides,
              "rows": [measure(entry, args.devices, args.steps, args.repeats, args.warmup, args.seconds, overrides,
                               timing) for entry in args.entries]}
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
