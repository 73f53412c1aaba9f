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
the networks of both sides under that Keras dtype policy; `--jit` compiles both sides with XLA.

    python tools/benchmark_throughput.py --json docs/benchmarks/throughput.json
    python tools/benchmark_throughput.py keras-io-dcgan --precision float32 mixed_bfloat16 --repeats 5
    python tools/benchmark_throughput.py --from-json docs/benchmarks/throughput.json   # the Markdown table
"""

import argparse
import json
import os
import platform
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

CASES = ("keras-io-dcgan", "dcgan-digits", "gan-ring")
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


def build_pair(case, dtype, jit_compile):
    """(ganzoo trainer, textbook reference, batch size, example shape) for one case, both compiled."""
    with precision.dtype_policy(dtype):
        if case == "keras-io-dcgan":
            latent_dim, batch = 128, 32
            ours = ganzoo.trainers.GAN(*keras_io_networks(latent_dim=latent_dim), seed=0)
            theirs = TextbookGAN(*keras_io_networks(latent_dim=latent_dim), latent_dim)
            rates = {"discriminator": 1e-4, "generator": 1e-4}
        else:
            ours = ganzoo.build(case, **{"training.precision": dtype}, compile=False)
            twin = ganzoo.build(case, **{"training.precision": dtype}, compile=False)  # same seed: same weights
            latent_dim, batch = ours.latent_dim, ganzoo.get_config(case)["data"]["batch_size"]
            theirs = TextbookGAN(twin.generator, twin.discriminator, latent_dim)
            optimizer = ganzoo.get_config(case)["optimizer"]
            rates = {name: optimizer[name]["learning_rate"] for name in ("discriminator", "generator")}
    adam = lambda name: keras.optimizers.Adam(rates[name], beta_1=0.5)  # noqa: E731
    ours.compile(optimizers={name: adam(name) for name in rates}, jit_compile=jit_compile)
    theirs.compile(adam("discriminator"), adam("generator"), jit_compile=jit_compile)
    return ours, theirs, batch, tuple(ours.sample_shape)


def update_flops(model, batch, shape):
    """Floating-point operations of one traced `train_step` on a batch, as TensorFlow's profiler counts
    them (convolutions, their gradients, matmuls, elementwise ops with registered statistics)."""
    concrete = tf.function(model.train_step).get_concrete_function(tf.TensorSpec((batch, *shape), tf.float32))
    options = (tf.compat.v1.profiler.ProfileOptionBuilder(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation())
               .with_empty_output().build())
    return int(tf.compat.v1.profiler.profile(graph=concrete.graph, options=options).total_float_ops)


def images_per_second(model, dataset, batch, steps):
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
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


def measure(case, dtype, jit_compile, steps, repeats, warmup, seconds):
    ours, theirs, batch, shape = build_pair(case, dtype, jit_compile)
    images = np.clip(np.random.default_rng(0).normal(0, 0.5, (POOL, *shape)), -1, 1).astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch, drop_remainder=True).prefetch(2)
    flops = {"ganzoo": update_flops(ours, batch, shape), "reference": update_flops(theirs, batch, shape)}
    for model in (ours, theirs):
        images_per_second(model, dataset, batch, warmup)  # traces and warms the caches
    probe = images_per_second(theirs, dataset, batch, steps)
    steps = max(steps, int(np.ceil(seconds * probe / batch)))  # rounds of at least `seconds`: small nets are noisy
    rounds = []
    for _ in range(repeats):
        rounds.append({"ganzoo": images_per_second(ours, dataset, batch, steps),
                       "reference": images_per_second(theirs, dataset, batch, steps)})
    row = {"case": case, "precision": dtype, "jit_compile": jit_compile, "batch": batch, "steps": steps,
           "repeats": repeats, "rounds": rounds,
           "ratio": statistics.median(r["ganzoo"] / r["reference"] for r in rounds)}
    for side in ("ganzoo", "reference"):
        speed = statistics.median(r[side] for r in rounds)
        row[side] = {"images_per_second": speed, "gflop_per_update": flops[side] / 1e9,
                     "gflop_per_second": flops[side] / 1e9 * speed / batch}
    return row


def markdown(report):
    limits = report["matmul_gflop_per_second"]
    lines = [f"Matmul limits: float32 {limits['float32']:.0f} GFLOP/s, bfloat16 {limits['bfloat16']:.0f} GFLOP/s.", "",
             "| case | precision | XLA | batch | ganzoo images/s (GFLOP/s) | reference images/s (GFLOP/s) | "
             "ratio (per-round range) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["rows"]:
        ratios = [r["ganzoo"] / r["reference"] for r in row["rounds"]]
        sides = [f"{row[s]['images_per_second']:.1f} ({row[s]['gflop_per_second']:.0f})" for s in ("ganzoo", "reference")]
        lines.append(f"| `{row['case']}` | {row['precision']} | {'on' if row['jit_compile'] else 'off'} | {row['batch']} | "
                     f"{sides[0]} | {sides[1]} | {row['ratio']:.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |")
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
                row = measure(case, dtype, jit == "on", args.steps, args.repeats, args.warmup, args.seconds)
                report["rows"].append(row)
                print(json.dumps({k: row[k] for k in ("case", "precision", "jit_compile", "ratio", "ganzoo", "reference")}),
                      flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    print(markdown(report))


if __name__ == "__main__":
    main()
