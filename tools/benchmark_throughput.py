"""Training throughput: ganzoo's trainer against the textbook Keras recipe, on the same networks.

For each case two models train the same networks (equal architecture and initial weights) on the
same random in-memory images: (a) ganzoo's trainer as a user gets it (`ganzoo.trainers.GAN` with its
defaults, or the zoo entry as built), (b) a plain Keras reference written below, the keras.io recipe
"DCGAN overriding `train_step`": one `train_step` in which the discriminator sees real and fake images
concatenated in one call, then the generator takes its step on fresh latents; non-saturating loss on
logits, Adam for both. They alternate A B A B for `--repeats` rounds of `--steps` timed training steps
each (more where a round would last under `--seconds`), after a warm-up that traces both. Reported:
each side's median images per second, the median of the per-round ratios (a / b), the FLOPs of one
update as TensorFlow's profiler counts them in each side's traced `train_step`, the achieved GFLOP/s,
and the machine's matmul limits (a 2048 x 2048 float32 and bfloat16 product) with its cores, CPU flags
and TensorFlow version.

Cases: `keras-io-dcgan` (the keras.io networks at 64x64x3, latent 128, batch 32, Adam 1e-4; the
generator ends in tanh and the discriminator in a logit, as ganzoo's losses take them), and the zoo
entries `dcgan-digits` and `gan-ring` with their own networks and batch sizes. `--precision` builds
the networks of both sides under that Keras dtype policy (under bfloat16 the float32 reference runs
too); `--jit` compiles both sides with XLA. `--levers` adds ganzoo with each named setting as a side of
its own. `pix2pix-edges2digits`, `cyclegan-digits` and `stylegan2-digits` have no textbook loop here:
they are timed alone, as the entry builds and compiles them, on their own training stream (levers
against the entry's defaults).

    python tools/benchmark_throughput.py --json docs/benchmarks/throughput_zoo.json
    python tools/benchmark_throughput.py keras-io-dcgan --precision float32 mixed_bfloat16 --repeats 5
    python tools/benchmark_throughput.py --from-json docs/benchmarks/throughput_zoo.json   # the Markdown table

Where the FLOPs go (`--layers`): every layer with a kernel of a referenced case's two networks, alone,
forward and backward (gradients for its input and its weights) at the batch an update runs it at,
timed and counted like an update; its GFLOP/s against the float32 matmul limit, and the two networks'
kernel layers together, which bounds what any training loop around them can reach:

    python tools/benchmark_throughput.py keras-io-dcgan dcgan-digits --precision float32 --layers \
        --json docs/benchmarks/throughput_layers.json

Thread settings (`--threads INTRA:INTER`, TensorFlow's intra-op and inter-op pools, 0 = TensorFlow's
choice) are fixed for a process, so they cannot alternate within one. With one setting this process
uses it; with several, every round runs the benchmark once per setting, each in a fresh process, in an
order rotated from round to round, and the report gives each side's median speed per setting and its
per-round ratio to the first setting:

    python tools/benchmark_throughput.py gan-ring dcgan-digits --precision float32 \
        --threads 0:0 2:1 1:1 1:2 --repeats 5 --json docs/benchmarks/throughput_threads.json
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import precision  # noqa: E402
from ganzoo.errors import ConfigError  # noqa: E402
from ganzoo.zoo import registry  # noqa: E402

#: Cases with a textbook reference beside ganzoo (latent GANs with one generator and one discriminator).
REFERENCED = ("keras-io-dcgan", "dcgan-digits", "gan-ring")
#: Zoo entries timed on their own training stream, ganzoo alone (no textbook loop to compare with).
UNREFERENCED = ("pix2pix-edges2digits", "cyclegan-digits", "stylegan2-digits")
CASES = REFERENCED + UNREFERENCED
#: images kept in memory per case (the pipeline cycles through them)
POOL = 256


def keras_io_networks(image_size=64, latent_dim=128, seed=0):
    """The keras.io DCGAN's generator and discriminator (strided 4x4 convolutions, LeakyReLU 0.2),
    with a tanh output and a logit, under the current dtype policy."""
    keras.utils.set_random_seed(seed)
    start = image_size // 8
    generator = keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(start * start * 128), layers.Reshape((start, start, 128)),
        layers.Conv2DTranspose(128, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(256, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(512, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(3, 5, padding="same", activation="tanh"),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input((image_size, image_size, 3)),
        layers.Conv2D(64, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(128, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(128, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Flatten(), layers.Dropout(0.2), layers.Dense(1),
    ], name="discriminator")
    return precision.with_float32_outputs(generator), precision.with_float32_outputs(discriminator)


class TextbookGAN(keras.Model):
    """The plain Keras recipe (keras.io, "DCGAN overriding train_step"), without its label noise."""

    def __init__(self, generator, discriminator, latent_dim, seed=0):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def train_step(self, real):
        batch = tf.shape(real)[0]
        latents = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(latents, training=True)
        images = tf.concat([fake, tf.cast(real, fake.dtype)], axis=0)
        labels = tf.concat([tf.zeros((batch, 1)), tf.ones((batch, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(images, training=True))
        gradients = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply(gradients, self.discriminator.trainable_variables)
        latents = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            logits = self.discriminator(self.generator(latents, training=True), training=True)
            g_loss = self.loss_fn(tf.ones((batch, 1)), logits)
        gradients = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply(gradients, self.generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}


#: ganzoo's levers as trainer arguments / compile settings; each becomes a side of its own.
LEVERS = {
    "single_call": {"single_discriminator_call": True},
    "reuse_forward": {"reuse_forward": True},
    "single_call+reuse_forward": {"single_discriminator_call": True, "reuse_forward": True},
    "steps_per_execution=8": {"steps_per_execution": 8},
}


def build_unreferenced(case, dtype, jit_compile, levers):
    """({side: model} of ganzoo as the entry builds and compiles it, with each lever that applies), the
    examples per step, the entry's own training stream and the levers that do not apply."""
    sides, skipped = {}, {}
    for lever in ("", *levers):
        overrides = {"training.precision": dtype, "training.jit_compile": jit_compile,
                     **{(f"training.{key}" if key == "steps_per_execution" else f"model.{key}"): value
                        for key, value in (LEVERS[lever].items() if lever else ())}}
        try:
            model = ganzoo.build(case, **overrides)
        except (ValueError, ConfigError) as error:
            why = str(error).split(". Expected")[0].split(". Received")[0]
            skipped[lever] = why.split(".yaml: ", 1)[-1]  # without the config's path
            continue
        sides[f"ganzoo {lever}" if lever else "ganzoo"] = model
    config = ganzoo.get_config(case)
    batch = sides["ganzoo"].real_batch_size(config["data"]["batch_size"])
    return sides, batch, registry.training_stream(config, sides["ganzoo"]), skipped


def random_images(shape, batch):
    """An endless dataset of POOL random images in [-1, 1], batched."""
    images = np.clip(np.random.default_rng(0).normal(0, 0.5, (POOL, *shape)), -1, 1).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch, drop_remainder=True).prefetch(2)


def build_sides(case, dtype, jit_compile, levers):
    """{side: compiled model} for one case (the reference, the reference in float32 when `dtype` is
    not, ganzoo with its defaults, ganzoo with each lever), the examples per step, the dataset and the
    levers that do not apply (with why). Every side starts from the same initial weights."""
    if case in UNREFERENCED:
        return build_unreferenced(case, dtype, jit_compile, levers)
    if case == "keras-io-dcgan":
        latent_dim, batch = 128, 32
        rates = {"discriminator": 1e-4, "generator": 1e-4}
        networks = lambda: keras_io_networks(latent_dim=latent_dim)  # noqa: E731
        trainer = lambda **game: ganzoo.trainers.GAN(*networks(), seed=0, **game)  # noqa: E731
    else:
        config = ganzoo.get_config(case)
        latent_dim, batch = config["model"]["latent_dim"], config["data"]["batch_size"]
        rates = {name: config["optimizer"][name]["learning_rate"] for name in ("discriminator", "generator")}

        def trainer(**game):  # the entry's own seed: the same initial weights every time
            return ganzoo.build(case, **{"training.precision": keras.config.dtype_policy().name,
                                         **{f"model.{key}": value for key, value in game.items()}}, compile=False)

        def networks():
            twin = trainer()
            return twin.generator, twin.discriminator
    sides, skipped = {}, {}
    with precision.dtype_policy(dtype):
        sides["reference"] = (TextbookGAN(*networks(), latent_dim), {})
        sides["ganzoo"] = (trainer(), {})
        for lever in levers:
            game = {key: value for key, value in LEVERS[lever].items() if key != "steps_per_execution"}
            settings = {key: value for key, value in LEVERS[lever].items() if key not in game}
            try:
                sides[f"ganzoo {lever}"] = (trainer(**game), settings)
            except (ValueError, ConfigError) as error:
                coupled = re.search(r"layers (\[.*?\])", str(error))
                skipped[lever] = (f"its discriminator's layers {coupled.group(1)} couple a call's examples" if coupled
                                  else str(error).split(". Received")[0])
    if dtype != "float32":
        with precision.dtype_policy("float32"):
            sides["reference float32"] = (TextbookGAN(*networks(), latent_dim), {})
    adam = lambda name: keras.optimizers.Adam(rates[name], beta_1=0.5)  # noqa: E731
    for model, settings in sides.values():
        if isinstance(model, TextbookGAN):
            model.compile(adam("discriminator"), adam("generator"), jit_compile=jit_compile, **settings)
        else:
            model.compile(optimizers={player: adam(player) for player in rates}, jit_compile=jit_compile, **settings)
    models = {name: model for name, (model, _) in sides.items()}
    return models, batch, random_images(tuple(models["ganzoo"].sample_shape), batch), skipped


def update_flops(model, dataset, batch):
    """Floating-point operations of one traced `train_step` on a batch of `dataset`, as TensorFlow's
    profiler counts them (convolutions, their gradients, matmuls, elementwise ops with registered
    statistics)."""
    spec = tf.nest.map_structure(lambda s: tf.TensorSpec((batch, *s.shape[1:]), s.dtype), dataset.element_spec)
    return traced_flops(model.train_step, spec)


def images_per_second(model, dataset, batch, steps, cpu=None):
    """Training images per wall-clock second over `steps` steps of `model.fit`; when `cpu` is a list,
    images per CPU-second of this process (all its threads) are appended to it: on a virtual machine
    whose wall-clock speed moves from minute to minute, the CPU time a step costs is the steadier
    measure of the work it does."""
    start, start_cpu = time.perf_counter(), time.process_time()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    if cpu is not None:
        cpu.append(batch * steps / (time.process_time() - start_cpu))
    return batch * steps / (time.perf_counter() - start)


def matmul_limits(size=2048, calls=20):
    """GFLOP/s of a size x size matrix product in float32 and bfloat16 (median of `calls`)."""
    limits = {}
    for dtype in (tf.float32, tf.bfloat16):
        a = tf.random.normal((size, size), dtype=tf.float32)
        a = tf.cast(a, dtype)
        product = tf.function(lambda x: tf.reduce_sum(tf.cast(tf.matmul(x, x), tf.float32)))
        product(a).numpy()
        seconds = []
        for _ in range(calls):
            start = time.perf_counter()
            product(a).numpy()
            seconds.append(time.perf_counter() - start)
        limits[dtype.name] = 2 * size ** 3 / statistics.median(seconds) / 1e9
    return limits


def machine():
    flags = set()
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    wanted = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile")
    return {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "cpu_flags": [flag for flag in wanted if flag in flags], "tensorflow": tf.__version__,
            "keras": keras.__version__, "devices": [d.device_type for d in tf.config.list_physical_devices()]}


def measure(case, dtype, jit_compile, steps, repeats, warmup, seconds, levers=()):
    """One row: every side's images/s over `repeats` rounds (each round runs every side once, in an order
    rotated from round to round), the median per-round ratio of each side to the reference (and to the
    float32 reference), FLOPs per update and GFLOP/s."""
    models, batch, dataset, skipped = build_sides(case, dtype, jit_compile, levers)
    flops = {name: update_flops(model, dataset, batch) for name, model in models.items()}
    for model in models.values():
        images_per_second(model, dataset, batch, warmup)  # traces and warms the caches
    baseline = "reference" if "reference" in models else "ganzoo"
    probe = images_per_second(models[baseline], dataset, batch, steps)
    steps = max(steps, int(np.ceil(seconds * probe / batch)))  # rounds of at least `seconds`: small nets are noisy
    steps = int(np.ceil(steps / 8) * 8)  # whole executions for steps_per_execution=8
    names, rounds, cpu_rounds = list(models), [], []
    for index in range(repeats):
        order = names[index % len(names):] + names[:index % len(names)]
        rounds.append({})
        cpu_rounds.append({})
        for name in order:
            cpu = []
            rounds[-1][name] = images_per_second(models[name], dataset, batch, steps, cpu)
            cpu_rounds[-1][name] = cpu[0]
    row = {"case": case, "precision": dtype, "jit_compile": jit_compile, "batch": batch, "steps": steps,
           "repeats": repeats, "rounds": rounds, "cpu_rounds": cpu_rounds, "not_applicable": skipped, "sides": {}}
    for name in names:
        speed = statistics.median(r[name] for r in rounds)
        ratios = [r[name] / r[baseline] for r in rounds]
        row["sides"][name] = {
            "images_per_second": speed, "gflop_per_update": flops[name] / 1e9,
            "gflop_per_second": flops[name] / 1e9 * speed / batch,
            "ratio_to": baseline, "ratio": statistics.median(ratios), "ratio_range": [min(ratios), max(ratios)],
            "images_per_cpu_second": statistics.median(r[name] for r in cpu_rounds),
            "cpu_ratio": statistics.median(r[name] / r[baseline] for r in cpu_rounds)}
        if "reference float32" in models:
            row["sides"][name]["ratio_to_float32_reference"] = statistics.median(
                r[name] / r["reference float32"] for r in rounds)
    return row


def traced_flops(function, *specs):
    """Floating-point operations of `function` traced on `specs`, as TensorFlow's profiler counts them."""
    concrete = tf.function(function).get_concrete_function(*specs)
    options = (tf.compat.v1.profiler.ProfileOptionBuilder(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation())
               .with_empty_output().build())
    return int(tf.compat.v1.profiler.profile(graph=concrete.graph, options=options).total_float_ops)


def kernel_layers(network):
    """The layers with a kernel (dense and convolution layers) of `network`, nested models opened."""
    for layer in network.layers:
        if isinstance(layer, keras.Model):
            yield from kernel_layers(layer)
        elif any(weight.name == "kernel" for weight in layer.weights):
            yield layer


#: forward-backward passes of a layer per timed call (inside one traced loop)
LAYER_REPEATS = 8


def layer_speeds(case, dtype, calls):
    """Each kernel layer of the case's generator and discriminator alone, forward and backward at the
    update's batch: GFLOP per pass, median seconds per pass over `calls` calls of LAYER_REPEATS passes,
    GFLOP/s; and both networks' kernel layers together (total FLOPs over total time)."""
    models, batch, _, _ = build_sides(case, dtype, False, ())
    reference, rows = models["reference"], []
    for role, network in (("generator", reference.generator), ("discriminator", reference.discriminator)):
        for layer in kernel_layers(network):
            shape = (batch, *layer.input.shape[1:])
            inputs = tf.cast(tf.random.normal(shape), layer.compute_dtype)

            def forward_backward(x, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.cast(layer(x, training=True), tf.float32))
                return tape.gradient(loss, [x, *layer.trainable_variables])

            @tf.function
            def repeated(x, forward_backward=forward_backward):  # in one call: no per-call dispatch timed
                total = tf.constant(0.0)
                for _ in tf.range(LAYER_REPEATS):
                    total += tf.add_n([tf.reduce_sum(tf.cast(g, tf.float32)) for g in forward_backward(x)])
                return total

            flops = traced_flops(forward_backward, tf.TensorSpec(shape, inputs.dtype))
            repeated(inputs).numpy()  # traces and warms
            seconds = []
            for _ in range(calls):
                start = time.perf_counter()
                repeated(inputs).numpy()
                seconds.append((time.perf_counter() - start) / LAYER_REPEATS)
            median = statistics.median(seconds)
            rows.append({"network": role, "layer": layer.name, "kind": type(layer).__name__,
                         "input_shape": list(shape), "gflop": flops / 1e9, "seconds": median,
                         "gflop_per_second": flops / 1e9 / median})
    total_gflop, total_seconds = sum(r["gflop"] for r in rows), sum(r["seconds"] for r in rows)
    return {"case": case, "precision": dtype, "batch": batch, "layers": rows,
            "kernel_layers_gflop_per_second": total_gflop / total_seconds}


def layers_markdown(report):
    limit = report["matmul_gflop_per_second"]
    lines = [f"Matmul limits: float32 {limit['float32']:.0f} GFLOP/s, bfloat16 {limit['bfloat16']:.0f} GFLOP/s.", "",
             "| case | precision | network | layer | input (batch first) | GFLOP forward + backward | ms | GFLOP/s "
             "| of the matmul limit | share of the kernel layers' time |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for case in report["layer_rows"]:
        matmul = limit["bfloat16" if "bfloat16" in case["precision"] else "float32"]
        total = sum(row["seconds"] for row in case["layers"])
        for row in case["layers"]:
            lines.append(f"| `{case['case']}` | {case['precision']} | {row['network']} | {row['layer']} ({row['kind']}) | "
                         f"{'x'.join(map(str, row['input_shape']))} | {row['gflop']:.2f} | {row['seconds'] * 1e3:.1f} | "
                         f"{row['gflop_per_second']:.0f} | {row['gflop_per_second'] / matmul:.0%} | "
                         f"{row['seconds'] / total:.0%} |")
        speed = case["kernel_layers_gflop_per_second"]
        lines.append(f"| `{case['case']}` | {case['precision']} | both | all kernel layers | | | {total * 1e3:.1f} | "
                     f"{speed:.0f} | {speed / matmul:.0%} | 100% |")
    return "\n".join(lines)


def thread_setting(text):
    """`INTRA:INTER` as a pair of non-negative ints (0 = TensorFlow's choice)."""
    try:
        intra, inter = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INTRA:INTER, two non-negative integers such as 2:1; got {text!r}")
    if intra < 0 or inter < 0:
        raise argparse.ArgumentTypeError(f"thread counts must be >= 0 (0 = TensorFlow's choice); got {text!r}")
    return intra, inter


def use_threads(intra, inter):
    """Sizes TensorFlow's thread pools for this process; only possible before its runtime starts."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError as error:
        raise SystemExit(f"could not set threads {intra}:{inter}: TensorFlow's runtime had already started ({error})")


def compare_threads(settings, child_args, repeats):
    """Runs this benchmark once per setting and round, each in a fresh process with `--repeats 1`, the order
    of the settings rotated from round to round; returns the report (per row and side, each setting's
    median images/s and images per CPU-second, and the median per-round ratio to the first setting; the
    processes' own reports under "runs", a {setting: report} per round)."""
    labels = [f"{intra}:{inter}" for intra, inter in settings]
    rounds, machine_info, used = [], None, {}
    with tempfile.TemporaryDirectory() as folder:
        for index in range(repeats):
            order = labels[index % len(labels):] + labels[:index % len(labels)]
            rounds.append({})
            for label in order:
                out = Path(folder) / f"round{index}_{label.replace(':', '_')}.json"
                subprocess.run([sys.executable, __file__, *child_args, "--repeats", "1", "--threads", label,
                                "--json", str(out)], check=True, stdout=subprocess.DEVNULL)
                report = json.loads(out.read_text())
                machine_info, used[label] = report["machine"], report["threads"]
                rounds[-1][label] = report
    rows = []
    for position, first_row in enumerate(rounds[0][labels[0]]["rows"]):
        row = {key: first_row[key] for key in ("case", "precision", "jit_compile", "batch")}
        row["threads"] = {}
        for side in first_row["sides"]:
            def speeds(label, key):
                return [r[label]["rows"][position]["sides"][side][key] for r in rounds]
            for label in labels:
                wall, cpu = speeds(label, "images_per_second"), speeds(label, "images_per_cpu_second")
                ratios = [a / b for a, b in zip(wall, speeds(labels[0], "images_per_second"))]
                cpu_ratios = [a / b for a, b in zip(cpu, speeds(labels[0], "images_per_cpu_second"))]
                row["threads"].setdefault(side, {})[label] = {
                    "images_per_second": statistics.median(wall), "images_per_cpu_second": statistics.median(cpu),
                    "ratio": statistics.median(ratios), "ratio_range": [min(ratios), max(ratios)],
                    "cpu_ratio": statistics.median(cpu_ratios), "rounds": wall, "cpu_rounds": cpu}
        rows.append(row)
    limits = {label: [r[label]["matmul_gflop_per_second"] for r in rounds] for label in labels}
    return {"machine": machine_info, "thread_settings": labels, "threads_used": used, "repeats": repeats,
            "matmul_gflop_per_second_by_threads": limits, "thread_rows": rows, "runs": rounds}


def threads_markdown(report):
    first = report["thread_settings"][0]
    lines = [f"Threads INTRA:INTER (0 = TensorFlow's choice); ratios to {first}, median of "
             f"{report['repeats']} rounds, each setting in a fresh process.", "",
             "| case | precision | XLA | batch | side | threads | images/s | ratio (per-round range) | "
             "images per CPU-s (ratio) | float32 matmul GFLOP/s |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["thread_rows"]:
        for side, settings in row["threads"].items():
            for label, got in settings.items():
                low, high = got["ratio_range"]
                matmul = statistics.median(limit["float32"] for limit in report["matmul_gflop_per_second_by_threads"][label])
                lines.append(f"| `{row['case']}` | {row['precision']} | {'on' if row['jit_compile'] else 'off'} | "
                             f"{row['batch']} | {side} | {label} | {got['images_per_second']:.1f} | "
                             f"{got['ratio']:.2f} ({low:.2f}-{high:.2f}) | {got['images_per_cpu_second']:.1f} "
                             f"({got['cpu_ratio']:.2f}) | {matmul:.0f} |")
    return "\n".join(lines)


def markdown(report):
    if "layer_rows" in report:
        return layers_markdown(report)
    if "thread_rows" in report:
        return threads_markdown(report)
    limits = report["matmul_gflop_per_second"]
    lines = [f"Matmul limits: float32 {limits['float32']:.0f} GFLOP/s, bfloat16 {limits['bfloat16']:.0f} GFLOP/s.", "",
             "| case | precision | XLA | batch | side | images/s | GFLOP per update | GFLOP/s | ratio to the reference "
             "(per-round range) | ratio to the float32 reference | images per CPU-s (ratio) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["rows"]:
        for name, side in row["sides"].items():
            low, high = side["ratio_range"]
            to_float32 = side.get("ratio_to_float32_reference")
            versus = "" if side.get("ratio_to", "reference") == "reference" else f" vs {side['ratio_to']}"
            lines.append(f"| `{row['case']}` | {row['precision']} | {'on' if row['jit_compile'] else 'off'} | "
                         f"{row['batch']} | {name} | {side['images_per_second']:.1f} | {side['gflop_per_update']:.2f} | "
                         f"{side['gflop_per_second']:.0f} | {side['ratio']:.2f} ({low:.2f}-{high:.2f}){versus} | "
                         f"{'' if to_float32 is None else f'{to_float32:.2f}'} | "
                         f"{side.get('images_per_cpu_second', float('nan')):.1f} ({side.get('cpu_ratio', float('nan')):.2f}) |")
        for lever, why in row.get("not_applicable", {}).items():
            lines.append(f"| `{row['case']}` | {row['precision']} | {'on' if row['jit_compile'] else 'off'} | "
                         f"{row['batch']} | ganzoo {lever} | not applicable: {why} | | | | | |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", choices=[[], *CASES], default=[])
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--jit", nargs="+", choices=("off", "on"), default=["off"])
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per round and side (at least)")
    parser.add_argument("--seconds", type=float, default=3.0, help="more steps where a round would be shorter")
    parser.add_argument("--repeats", type=int, default=3, help="A B rounds")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--levers", nargs="*", choices=tuple(LEVERS), default=[],
                        help="ganzoo with these settings, each as a side of its own")
    parser.add_argument("--layers", action="store_true",
                        help="time each kernel layer of the referenced cases alone instead of training")
    parser.add_argument("--threads", nargs="+", type=thread_setting, metavar="INTRA:INTER",
                        help="TensorFlow's thread pools; several settings are compared, each in fresh processes")
    parser.add_argument("--json")
    parser.add_argument("--from-json", help="print the Markdown table of an earlier --json report and stop")
    args = parser.parse_args()
    if args.from_json:
        print(markdown(json.loads(Path(args.from_json).read_text())))
        return
    if args.threads and len(args.threads) > 1:
        child_args = [*args.cases, "--precision", *args.precision, "--jit", *args.jit, "--steps", str(args.steps),
                      "--seconds", str(args.seconds), "--warmup", str(args.warmup)]
        if args.levers:
            child_args += ["--levers", *args.levers]
        report = compare_threads(args.threads, child_args, args.repeats)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        print(markdown(report))
        return
    if args.threads:
        use_threads(*args.threads[0])
    if args.layers:
        report = {"machine": machine(), "matmul_gflop_per_second": matmul_limits(), "layer_rows": []}
        for case in args.cases or REFERENCED:
            if case not in REFERENCED:
                raise SystemExit(f"--layers times the networks of a referenced case ({', '.join(REFERENCED)}); got {case}")
            for dtype in args.precision:
                report["layer_rows"].append(layer_speeds(case, dtype, max(args.steps, 3)))
                if args.json:
                    Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        print(markdown(report))
        return
    report = {"machine": machine(), "matmul_gflop_per_second": matmul_limits(), "rows": [],
              "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                          "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}}
    for case in args.cases or CASES:
        for dtype in args.precision:
            for jit in args.jit:
                row = measure(case, dtype, jit == "on", args.steps, args.repeats, args.warmup, args.seconds,
                              args.levers)
                report["rows"].append(row)
                if args.json:  # after every row: a run cut short keeps what it measured
                    Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
                print(json.dumps({k: row[k] for k in ("case", "precision", "jit_compile", "sides", "not_applicable")}),
                      flush=True)
    print(markdown(report))


if __name__ == "__main__":
    main()
