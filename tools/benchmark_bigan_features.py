"""Does BiGAN's encoder learn features, and do E and G invert each other? The BiGAN paper's Table 1
protocol on the bundled digits, and the inversion measures on a 2D mixture.

Trains a BiGAN entry from its zoo config (`--entry`, `--set` overrides) and, for image data, an
autoencoder made of the same encoder and generator architectures (fresh weights, same seeds), with
the same epochs, batch size and optimiser (learning-rate schedule included), on a mean-squared
reconstruction loss (`--skip-autoencoder` leaves it out: it depends on the architectures and the
latent size only, so screening several BiGAN variants of one size needs it once). Then reports, on
held-out data (digits: the test split, the training split as the reference set; a mixture: fresh
points, labelled by their mode):
- 1-nearest-neighbour accuracy in raw inputs, in the encoder at its initial weights (untrained: what
  a random projection through the same network gives, the bar that shows whether training taught E
  anything), in the autoencoder's latent and in BiGAN's E(x);
- for digits, the digits classifier's accuracy on reconstructions G(E(x)) (class kept?), beside G
  after the untrained encoder (what E's training adds) and the autoencoder's;
- the error of E(G(z)) against z, per epoch and at the end, beside the prior's variance;
- for a mixture, mode coverage of 2,500 samples (the PacGAN protocol).
The trained model is measured through its inference networks (the EMA copies when it keeps them).
Every pair (BiGAN's E and G, the untrained E with BiGAN's G, the autoencoder) is measured by
`ganzoo.evaluation.inversion.inversion_measures`, the protocol `ganzoo evaluate` reports for a BiGAN.

    python tools/benchmark_bigan_features.py --seed 0 [--entry bigan-ring] [--set KEY=VALUE] [--json out.json]
    python tools/benchmark_bigan_features.py --table runs/*.json   # a Markdown table of saved runs
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.data import MIXTURES  # noqa: E402
from ganzoo.evaluation.inversion import inversion_measures, predictor  # noqa: E402
from ganzoo.held_out import held_out_labelled  # noqa: E402
from ganzoo.metrics import mode_coverage, nearest_neighbour_accuracy  # noqa: E402
from ganzoo.metrics.representation import untrained_copy  # noqa: E402
from ganzoo.metrics.digits import DigitsClassifier  # noqa: E402
from ganzoo.zoo.model_types import ARCHITECTURES  # noqa: E402
from ganzoo.zoo.registry import build_optimizer, training_dataset  # noqa: E402


def train_bigan(config):
    model = ganzoo.zoo.build_from_config(config)
    start = time.process_time()
    history = model.fit(training_dataset(config, model), epochs=config["training"]["epochs"], verbose=2,
                        shuffle=False)
    return model, history.history, time.process_time() - start


def train_autoencoder(config, sample_shape):
    """Encoder then generator of the BiGAN's architectures, trained to reconstruct x."""
    seed = config["training"]["seed"]
    built = ARCHITECTURES[config["model"]["architecture"]].build_networks(
        model_config=config["model"], sample_shape=sample_shape, seed=seed, layout="joint")
    inputs = keras.Input(sample_shape)
    autoencoder = keras.Model(inputs, built["generator"](built["encoder"](inputs)))
    data = config["data"]
    images, _ = ganzoo.data.load_arrays(data["name"], split="train", image_size=data["image_size"])
    updates = config["training"]["epochs"] * -(-len(images) // data["batch_size"])  # for a learning-rate decay
    autoencoder.compile(optimizer=build_optimizer(config["optimizer"]["generator"], updates), loss="mse")
    keras.utils.set_random_seed(seed)
    start = time.process_time()
    autoencoder.fit(images, images, batch_size=data["batch_size"], epochs=config["training"]["epochs"], verbose=0,
                    shuffle=True)
    return built["encoder"], built["generator"], time.process_time() - start


def held_out(config, sample_shape):
    """(reference x, labels, query x, labels): the digits' splits as the data config loads them, or for
    a 2D mixture 2,000 fresh points each."""
    data = config["data"]
    if data["name"] in MIXTURES:
        return held_out_labelled(data["name"], sample_shape, 2000, seed=10000)
    return (*ganzoo.data.load_arrays(data["name"], split="train", image_size=data["image_size"]),
            *ganzoo.data.load_arrays(data["name"], split="test", image_size=data["image_size"]))


#: The table's columns: (heading, result key, format); a run without the key shows a dash.
COLUMNS = (("seed", "seed", "{}"), ("epochs", "epochs", "{}"), ("BiGAN CPU s", "bigan_cpu_seconds", "{:.0f}"),
           ("1-NN raw", "knn_accuracy_pixels", "{:.1%}"), ("1-NN untrained E", "knn_accuracy_untrained_encoder",
                                                              "{:.1%}"),
           ("1-NN autoencoder", "knn_accuracy_autoencoder", "{:.1%}"), ("1-NN E(x)", "knn_accuracy_bigan", "{:.1%}"),
           ("G(E(x)) keeps class", "reconstruction_class_accuracy_bigan", "{:.1%}"),
           ("G(E(x)) error", "reconstruction_mse_bigan", "{:.3f}"),
           ("E(G(z)) error", "z_reconstruction_error_final_n2000", "{:.3f}"), ("prior variance", "z_prior_variance",
                                                                            "{:.3f}"))
MODE_COLUMNS = (("modes", "modes_captured", "{}"), ("high quality", "high_quality_fraction", "{:.1%}"))


def _cell(value, form):
    return "-" if value is None else form.format(value)


def print_table(runs):
    """One Markdown row per run, grouped by entry and overrides (the variant), each group followed by
    its mean +- standard error where it has more than one seed."""
    variants = {}
    for run in runs:
        key = (run["entry"], json.dumps({k: v for k, v in run.get("overrides", {}).items() if k != "training.seed"},
                                        sort_keys=True))
        variants.setdefault(key, []).append(run)
    modes = any("mode_coverage_n2500" in run for run in runs)
    headings = ["variant"] + [c[0] for c in COLUMNS] + ([c[0] for c in MODE_COLUMNS] if modes else [])
    print("| " + " | ".join(headings) + " |\n|" + " --- |" * len(headings))
    for (entry, overrides), group in variants.items():
        name = entry + "".join(f" {k}={v}" for k, v in json.loads(overrides).items())
        values = [[run.get(key) for _, key, _ in COLUMNS] +
                  ([run.get("mode_coverage_n2500", {}).get(key) for _, key, _ in MODE_COLUMNS] if modes else [])
                  for run in sorted(group, key=lambda run: run["seed"])]
        forms = [c[2] for c in COLUMNS] + ([c[2] for c in MODE_COLUMNS] if modes else [])
        for row in values:
            print("| " + " | ".join([name] + [_cell(v, f) for v, f in zip(row, forms)]) + " |")
        if len(group) > 1:
            summary = []
            for column, form in zip(zip(*values), forms):
                numbers = [v for v in column if v is not None]
                mean = np.mean(numbers) if numbers else None
                if len(numbers) < 2:
                    summary.append("-")
                elif form == "{}":  # counts: their mean
                    summary.append(f"{mean:.1f}")
                else:
                    summary.append(f"{form.format(mean)} +- {form.format(np.std(numbers, ddof=1) / len(numbers) ** 0.5)}")
            summary[0] = f"{len(group)} seeds"
            print("| " + " | ".join([f"{name}: mean +- s.e."] + summary) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entry", default="bigan-digits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--skip-autoencoder", action="store_true", help="do not train the autoencoder baseline")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--table", nargs="+", metavar="FILE", help="print a Markdown table of runs saved with --json "
                                                                   "(and train nothing)")
    args = parser.parse_args()
    if args.table:
        runs = []
        for path in args.table:
            with open(path) as file:
                runs.append(json.load(file))
        print_table(runs)
        return
    overrides = dict(ganzoo.zoo.parse_override(text) for text in args.set)
    config = ganzoo.get_config(args.entry, {"training.seed": args.seed, **overrides})

    bigan, history, bigan_cpu = train_bigan(config)
    images = len(bigan.sample_shape) == 3
    data = held_out(config, bigan.sample_shape)
    train_x, train_y, test_x, test_y = data
    classifier = DigitsClassifier() if images else None
    z = np.asarray(bigan.sample_latents(2000, seed=12345))
    generate = predictor(bigan.inference_network("generator"))
    pairs = {"bigan": (bigan.encode, generate),
             "untrained_encoder": (predictor(untrained_copy(bigan.encoder)), generate)}  # E's seeded initial weights
    results = {"entry": args.entry, "overrides": overrides, "seed": args.seed, "n_test": len(test_y),
               "n_reference": len(train_y), "epochs": config["training"]["epochs"], "bigan_cpu_seconds": bigan_cpu,
               "knn_accuracy_pixels": nearest_neighbour_accuracy(train_x, train_y, test_x, test_y)[0]}
    if images and not args.skip_autoencoder:
        encoder, generator, results["autoencoder_cpu_seconds"] = train_autoencoder(config, bigan.sample_shape)
        pairs["autoencoder"] = (predictor(encoder), predictor(generator))
    measured = {name: inversion_measures(encode, decode, data, z=z, classifier=classifier)
                for name, (encode, decode) in pairs.items()}
    for name, measures in measured.items():
        results[f"knn_accuracy_{name}"] = measures["knn_accuracy"]
        if classifier is not None:
            results[f"reconstruction_class_accuracy_{name}"] = measures["reconstruction_class_accuracy"]
        results[f"reconstruction_mse_{name}"] = measures["x_reconstruction_error"]
        results[f"z_reconstruction_error_{name}_n2000"] = measures["z_reconstruction_error"]
    results["z_reconstruction_error_final_n2000"] = measured["bigan"]["z_reconstruction_error"]
    results["z_reconstruction_error_by_epoch"] = [float(v) for v in history["z_reconstruction_error"]]
    results["x_reconstruction_error_by_epoch"] = [float(v) for v in history["x_reconstruction_error"]]
    results["z_prior_variance"] = float(np.var(z))  # the error of always answering E = 0
    results["x_reconstruction_baseline"] = float(np.mean((test_x - test_x.mean(0)) ** 2))  # always the mean
    if config["data"]["name"] in MIXTURES:
        samples = bigan.generate(2500, seed=10000 + args.seed)
        results["mode_coverage_n2500"] = {key: value for key, value in
                                          mode_coverage(samples, MIXTURES[config["data"]["name"]]).items()}
    print(json.dumps(results, indent=1))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
