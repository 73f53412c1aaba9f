#!/usr/bin/env bash
# The checks to run at once on a machine with a GPU, in under 10 minutes: the training-throughput
# benchmark (the keras.io DCGAN networks in float32, float16 and bfloat16, XLA off and on, with
# ganzoo's levers; dcgan-digits and gan-ring), StyleGAN2's steady-state training speed, and a short
# `ganzoo train stylegan2-digits` run, each figure written to one JSON file with the device named.
#
#     bash tools/device_check.sh [OUT_DIR]        # default: $OUT, else runs/device_check
#
# It installs nothing: the machine's python (or $PYTHON) must import tensorflow and ganzoo (run it
# from the repository root). Without a GPU visible to TensorFlow it stops at once, in one line, unless
# DEVICE_CHECK_ALLOW_CPU=1; DEVICE_CHECK_QUICK=1 shrinks every part to a smoke test of the script.
# Each part has its own time limit, and what finished is kept when a later part fails or times out.
set -uo pipefail

out=${1:-${OUT:-runs/device_check}}
python=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"

"$python" - "$out/device.json" <<'EOF' || exit 2
import json, os, subprocess, sys
try:
    import tensorflow as tf
    import ganzoo  # noqa: F401
except ImportError as error:
    sys.exit(f"device_check: {error.name} cannot be imported by {sys.executable}: install the project "
             f"(pip install -e .) on this machine, or point PYTHON at a python that has it")
gpus = tf.config.list_physical_devices("GPU")
if not gpus and os.environ.get("DEVICE_CHECK_ALLOW_CPU") != "1":
    sys.exit(f"device_check: TensorFlow {tf.__version__} sees no GPU on this machine (devices: "
             f"{[d.device_type for d in tf.config.list_physical_devices()]}); expected at least one. "
             f"Set DEVICE_CHECK_ALLOW_CPU=1 to run it on the CPU anyway")
try:
    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                         capture_output=True, text=True, timeout=30).stdout.strip()
except (OSError, subprocess.TimeoutExpired):
    smi = None
details = [tf.config.experimental.get_device_details(gpu) for gpu in gpus]
json.dump({"tensorflow": tf.__version__, "gpus": [str(d) for d in details], "nvidia_smi": smi,
           "cpus": os.cpu_count()}, open(sys.argv[1], "w"), indent=1)
print(f"device_check: TensorFlow {tf.__version__}, GPUs: {details or 'none (CPU run)'}")
EOF

if [ "${DEVICE_CHECK_QUICK:-0}" = 1 ]; then
    limits=(120 120 120 240); rounds=(--repeats 1 --steps 2 --warmup 1 --seconds 0)
    precisions=(float32); jit=(off); epochs=1; steps=2; s2=(--set model.generator.channel_base=256
        --set model.generator.channel_max=16 --set model.discriminator.channel_base=256
        --set model.discriminator.channel_max=16 --set model.generator.mapping_layers=1)
else
    limits=(270 90 90 120); rounds=(--repeats 3 --steps 20 --warmup 3 --seconds 2)
    precisions=(float32 mixed_float16 mixed_bfloat16); jit=(off on); epochs=1; steps=200; s2=()
fi
status=0
part() {  # part NAME LIMIT COMMAND...: runs one part under its own limit and notes how it ended
    local name=$1 limit=$2; shift 2
    echo "device_check: $name (at most $limit s)"
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
    local rc=$?
    echo "$name $rc" >> "$out/parts.txt"
    [ $rc -eq 0 ] || { echo "device_check: $name ended with status $rc (see $out/$name.log)"; status=1; }
}
: > "$out/parts.txt"
part throughput_keras_io "${limits[0]}" "$python" tools/benchmark_throughput.py keras-io-dcgan \
    --precision "${precisions[@]}" --jit "${jit[@]}" --levers single_call reuse_forward "${rounds[@]}" \
    --json "$out/throughput_keras_io.json"
part throughput_zoo "${limits[1]}" "$python" tools/benchmark_throughput.py dcgan-digits gan-ring \
    --precision float32 mixed_bfloat16 --levers reuse_forward steps_per_execution=8 "${rounds[@]}" \
    --json "$out/throughput_zoo.json"
part stylegan2_throughput "${limits[2]}" "$python" tools/benchmark_stylegan2.py --throughput \
    --json "$out/stylegan2_throughput.json"
part stylegan2_train "${limits[3]}" "$python" -m ganzoo.cli train stylegan2-digits --out "$out/stylegan2_run" \
    --overwrite --set training.epochs=$epochs --set training.steps_per_epoch=$steps "${s2[@]}"

"$python" - "$out" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
report = {"device": json.loads((out / "device.json").read_text()),
          "parts": dict(line.split() for line in (out / "parts.txt").read_text().splitlines())}
for name in ("throughput_keras_io", "throughput_zoo", "stylegan2_throughput"):
    path = out / f"{name}.json"
    report[name] = json.loads(path.read_text()) if path.exists() else None
history = out / "stylegan2_run" / "history.csv"
report["stylegan2_train_history"] = history.read_text().splitlines()[-3:] if history.exists() else None
(out / "device_check.json").write_text(json.dumps(report, indent=1) + "\n")
print(f"device_check: figures in {out / 'device_check.json'}; parts: {report['parts']}")
EOF
exit $status
