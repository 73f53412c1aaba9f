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
"""

import argparse
import json
import os
import platform
import re
import statistics
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
    concrete = tf.function(model.train_step).get_concrete_function(spec)
    options = (tf.compat.v1.profiler.ProfileOptionBuilder(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation())
               .with_empty_output().build())
    return int(tf.compat.v1.profiler.profile(graph=concrete.graph, options=options).total_float_ops)


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


def markdown(report):
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
    parser.add_argument("--json")
    parser.add_argument("--from-json", help="print the Markdown table of an earlier --json report and stop")
    args = parser.parse_args()
    if args.from_json:
        print(markdown(json.loads(Path(args.from_json).read_text())))
        return
    report = {"machine": machine(), "matmul_gflop_per_second": matmul_limits(), "rows": []}
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
