"""Latency and file size of each shipped generator in each deployment format.

For every shipped zoo entry (or those named): the first inference signature run (a) as the Keras
network called directly in a compiled `tf.function` (`network(x, training=False)`, not `predict`,
whose per-call overhead any interpreter beats), (b) from the shipped SavedModel, (c) from TFLite
float32, float16 and dynamic-range int8 files exported now; at batch 1 and 64, alternating the
formats in each of `--repeats` rounds, median milliseconds per call and the ratio to (a) in the same
round; each file's size, and each format's largest absolute difference to (a) (outputs in [-1, 1]).
Interpreters use `--threads` threads (default: all cores, as TensorFlow does).

    python tools/benchmark_export.py --json docs/benchmarks/export.json
    python tools/benchmark_export.py dcgan-digits --repeats 3 --calls 20
    python tools/benchmark_export.py --from-json docs/benchmarks/export.json   # the Markdown table
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import artifacts, deploy  # noqa: E402
from ganzoo.lite import TFLiteModel, interpreter_class  # noqa: E402


def timed(call, calls):
    """Median milliseconds of `calls` calls after two warm-up calls."""
    call(), call()
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return 1000 * float(np.median(seconds))


def runners(entry, folder, threads):
    """{format: (callable of an inputs dict, file bytes)} for the entry's first signature."""
    model = ganzoo.load(entry)
    functions = deploy.endpoints(model)
    name = next(iter(model.inference_signatures()))
    function, specs = functions[name]
    compiled = tf.function(function, input_signature=specs, jit_compile=False)
    result = {"keras": (lambda inputs: compiled(*[tf.constant(inputs[s.name]) for s in specs]), None)}
    saved = ganzoo.load(entry, format="saved_model")
    signature = saved.signatures[name]
    saved_bytes = sum(p.stat().st_size for p in artifacts.verified_folder(entry, "saved_model").rglob("*") if p.is_file())
    result["saved_model"] = (lambda inputs: signature(**{k: tf.constant(v) for k, v in inputs.items()}), saved_bytes)
    for quantize in ("none", "float16", "int8"):
        path = deploy.export(model, Path(folder) / f"{entry}_{quantize}.tflite", format="tflite", quantize=quantize,
                             overwrite=True)
        lite = TFLiteModel(path, num_threads=threads)
        result[f"tflite_{quantize}"] = (lambda inputs, run=lite.signatures[name]: run(**inputs), path.stat().st_size)
    return model, specs, result


def markdown(report):
    """One row per entry and format: size, latency at each batch with its ratio to the Keras call, error."""
    batches = sorted({int(b) for rows in report["entries"].values() for b in rows["batches"]})
    lines = ["| entry | format | size | " + " | ".join(f"batch {b}: ms (x Keras)" for b in batches) +
             " | largest error |", "| --- | --- | --- | " + " | ".join("---" for _ in batches) + " | --- |"]
    for entry, rows in report["entries"].items():
        for key in rows["max_abs_error_to_keras"]:
            size = f"{rows['bytes'][key] / 1e6:.2f} MB" if key in rows["bytes"] else ""
            times = " | ".join(f"{rows['batches'][str(b)][key]['ms']:.2f} ({rows['batches'][str(b)][key]['ratio_to_keras']:.2f})"
                               for b in batches)
            lines.append(f"| `{entry}` | {key} | {size} | {times} | {rows['max_abs_error_to_keras'][key]:.1e} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entries", nargs="*")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json")
    parser.add_argument("--from-json", help="print the Markdown table of an earlier --json report and stop")
    args = parser.parse_args()
    if args.from_json:
        print(markdown(json.loads(Path(args.from_json).read_text())))
        return
    shipped = [entry for entry in artifacts.read_manifest() if entry in ganzoo.list_models()]
    report = {"machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                          "tensorflow": tf.__version__, "interpreter": interpreter_class().__module__,
                          "threads": args.threads},
              "entries": {}}
    with tempfile.TemporaryDirectory() as folder:
        for entry in args.entries or shipped:
            model, specs, formats = runners(entry, folder, args.threads)
            rows = {"bytes": {key: size for key, (_, size) in formats.items() if size}, "batches": {},
                    "max_abs_error_to_keras": {}}
            for batch in args.batches:
                inputs = deploy.example_inputs(specs, batch=batch, num_classes=getattr(model, "num_classes", None))
                reference = np.asarray(formats["keras"][0](inputs))
                for key, (run, _) in formats.items():
                    output = run(inputs)
                    output = next(iter(output.values())) if isinstance(output, dict) else output
                    error = float(np.abs(np.asarray(output, np.float64) - reference).max())
                    rows["max_abs_error_to_keras"][key] = max(error, rows["max_abs_error_to_keras"].get(key, 0.0))
                rounds = [{key: timed(lambda run=run: run(inputs), args.calls) for key, (run, _) in formats.items()}
                          for _ in range(args.repeats)]
                rows["batches"][batch] = {
                    key: {"ms": float(np.median([r[key] for r in rounds])),
                          "ratio_to_keras": float(np.median([r[key] / r["keras"] for r in rounds]))}
                    for key in formats}
            report["entries"][entry] = rows
            print(entry, json.dumps(rows, indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    print(markdown(json.loads(json.dumps(report))))


if __name__ == "__main__":
    main()
