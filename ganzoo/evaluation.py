"""`ganzoo evaluate`: metrics of a trained model, each reported with N, seed and feature extractor.

Metrics:
- cs_digits: the classifier score (Inception Score form) of generated images, next to real test images'.
- fd_digits, kid_digits: Frechet and kernel distances in the shipped digits classifier's feature space
  between generated images and the real digits train split (with the real test split vs the train
  split reported as the floor, `*_floor`).
- fid, kid: the same distances in InceptionV3 pool features (needs the ImageNet weights: the Keras
  cache, or a network unless GANZOO_OFFLINE=1), against the run's training images.
- modes: the PacGAN mode-coverage protocol on the ring/grid mixtures.
- class_accuracy_digits: for class-conditional models, how often the digits classifier labels a
  sample with the class it was generated for (n samples, every class equally often), overall and per
  class, beside the classifier's accuracy on the real test split (the ceiling). For translation
  models on digits (edges2digits, digits-negative): how often the class of a held-out digit survives
  translation.
- l1, psnr: translation outputs against the held-out targets (pix2pix), or for CycleGAN against the
  known transform between the domains (digits-negative), in each direction.
- cycle_error: CycleGAN's mean |F(G(a)) - a| and |G(F(b)) - b| on held-out images.
- colourfulness: Hasler & Suesstrunk's colourfulness of RGB translation outputs beside the targets'
  (colorize: does the model colour, or wash out to grey?).
- fd_digits, kid_digits of translation outputs that are digits (edges2digits): how digit-like the
  outputs are as a set, against the digits train split, beside the held-out targets' own values.
- knn_accuracy, x_reconstruction_error, z_reconstruction_error, reconstruction_class_accuracy_digits
  (BiGAN, see `inversion_rows`): 1-nearest-neighbour accuracy in E(x) space on held-out data beside raw
  inputs' and an untrained encoder's; the error of G(E(x)) and of E(G(z)) beside the error of
  always answering the mean; how often G(E(x)) keeps a held-out digit's class.
Translation metrics run the generators in the chosen inference mode (`--mode`, see
`ganzoo.trainers.INFERENCE_MODES`) and report the standard error over images.
"""

import json
from pathlib import Path

import numpy as np
import yaml

import ganzoo
from ganzoo.errors import DataError, GanzooError
from ganzoo.trainers.base import TRANSLATION_LAYOUTS

INVERSION_METRICS = ("knn_accuracy", "x_reconstruction_error", "z_reconstruction_error",
                     "reconstruction_class_accuracy_digits")
METRICS = ("fd_digits", "kid_digits", "cs_digits", "class_accuracy_digits", "fid", "kid", "modes", "l1", "psnr",
           "cycle_error", "colourfulness") + INVERSION_METRICS
TRANSLATION_METRICS = ("l1", "psnr", "cycle_error", "class_accuracy_digits", "fd_digits", "kid_digits",
                       "colourfulness")


def run_data_config(source, data=None):
    """The data section (name, image_size, reverse) a run folder or zoo entry was trained on; with
    `data`, that name at its stored size."""
    if data:
        return {"name": data, "image_size": None, "reverse": False}
    config_path = Path(source) / "config.yaml"
    if config_path.is_file():
        with open(config_path) as file:
            return {"reverse": False, **yaml.safe_load(file)["data"]}
    if not Path(source).exists() and str(source) in ganzoo.list_models():  # a zoo entry
        return ganzoo.get_config(str(source))["data"]
    raise DataError(f"Cannot tell which data {source} was trained on; pass --data (e.g. digits, ring, grid)")


def run_data_name(source, data=None):
    """The data name a run folder or zoo entry was trained on (`data` when given)."""
    return run_data_config(source, data)["name"]


def _digits_rows(model, names, n, seed):
    from ganzoo.metrics.digits import DigitsClassifier, digits_scores

    if len(model.sample_shape) != 3 or model.sample_shape[-1] != 1:
        raise DataError(f"fd_digits/kid_digits need grayscale images. Received: samples of shape {model.sample_shape}")
    classifier = DigitsClassifier()
    train, _ = ganzoo.data.load_arrays("digits", split="train", image_size=model.sample_shape[0])
    test, _ = ganzoo.data.load_arrays("digits", split="test", image_size=model.sample_shape[0])
    fake = model.generate(n, seed=seed)
    scores = digits_scores(train, fake, classifier, seed=seed)
    floor = digits_scores(train, test, classifier, seed=seed)
    extractor = classifier.name
    rows = []
    for name in names:
        for suffix, result, note in (("", scores, "generated vs real train split"),
                                     ("_floor", floor, "real test split vs real train split")):
            rows.append(_digits_score_row(name, suffix, result, extractor, note))
    return rows


def _digits_score_row(name, suffix, scores, extractor, note):
    """One row of `digits_scores` output: metric `name + suffix`, with KID's std and subset size."""
    row = {"metric": name + suffix, "value": scores[name], "n_fake": scores["n_fake"], "n_real": scores["n_real"],
           "feature_extractor": extractor, "note": note}
    if name == "kid_digits":
        row.update(std=scores["kid_digits_std"], subset_size=scores["kid_subset_size"])
    return row


def _class_accuracy_rows(model, n, seed):
    from ganzoo.metrics.digits import DigitsClassifier, class_accuracy

    if not model.conditional:
        raise DataError("class_accuracy_digits needs a class-conditional model (e.g. cgan-digits). "
                        f"Received: a {type(model).__name__}")
    classifier = DigitsClassifier()
    labels = model.default_labels(n)
    fake = class_accuracy(classifier, model.generate(n, seed=seed, labels=labels), labels)
    test, test_labels = ganzoo.data.load_arrays("digits", split="test", image_size=model.sample_shape[0])
    real = class_accuracy(classifier, test, test_labels)
    extractor = classifier.name
    rows = [{"metric": "class_accuracy_digits", "value": fake["accuracy"], "n_fake": n,
             "note": "classifier agrees with the requested class"},
            {"metric": "class_accuracy_digits_ceiling", "value": real["accuracy"], "n_real": real["n"],
             "note": "classifier on the real test split"}]
    rows += [{"metric": f"class_accuracy_digits_class_{label}", "value": value,
              "n_fake": int(np.sum(labels == label)), "note": f"samples asked to be a {label}"}
             for label, value in fake["per_class"].items()]
    for row in rows:
        row["feature_extractor"] = extractor
    return rows


def _inception_rows(model, names, n, seed, data_name):
    import os

    from ganzoo.metrics.feature_statistics import frechet_distance, kernel_inception_distance
    from ganzoo.metrics.inception import InceptionFeatures

    if len(model.sample_shape) != 3:
        raise DataError(f"fid/kid need images. Received: samples of shape {model.sample_shape}")
    extractor = InceptionFeatures(allow_download=os.environ.get("GANZOO_OFFLINE") != "1")
    real, _ = ganzoo.data.load_arrays(data_name, split="train", image_size=model.sample_shape[0], limit=n)
    real_features, fake_features = extractor.features(real), extractor.features(model.generate(n, seed=seed))
    rows = []
    if "fid" in names:
        value, n_real, n_fake = frechet_distance(real_features, fake_features)
        rows.append({"metric": "fid", "value": value, "n_fake": n_fake, "n_real": n_real})
    if "kid" in names:
        value, std, size = kernel_inception_distance(real_features, fake_features, seed=seed)
        rows.append({"metric": "kid", "value": value, "std": std, "subset_size": size, "n_fake": n,
                     "n_real": len(real_features)})
    for row in rows:
        row.update(feature_extractor="InceptionV3 imagenet pool3, uint8-quantised, bilinear 299",
                   note=f"vs the {data_name} train split")
    return rows


def _score_row(metric, scores, note, mode):
    from ganzoo.metrics.translation import summary

    result = summary(scores)
    return {"metric": metric, "value": result["value"], "std": result["std_error"], "n_fake": result["n"],
            "feature_extractor": None, "note": f"{note}; {mode} mode; std = standard error over images"}


def _class_survival_row(metric, classifier, images, labels, note, mode):
    from ganzoo.metrics.digits import class_accuracy

    result = class_accuracy(classifier, images, labels)
    return {"metric": metric, "value": result["accuracy"], "n_fake": result["n"],
            "feature_extractor": classifier.name, "note": f"{note}; {mode} mode" if mode else note}


def _distance_rows(classifier, outputs, targets, names, mode, seed=0):
    """fd/kid_digits of translation outputs and of the real targets, each against the digits train split."""
    from ganzoo.metrics.digits import digits_scores

    train, _ = ganzoo.data.load_arrays("digits", split="train", image_size=outputs.shape[1])
    rows = []
    for label, images, note in (("", outputs, f"outputs vs real train split; {mode} mode"),
                                ("_targets", targets, "held-out targets vs real train split")):
        scores = digits_scores(train, images, classifier, seed=seed)
        rows += [_digits_score_row(name, label, scores, classifier.name, note) for name in names]
    return rows


def translation_rows(model, data_config, names, *, n=None, mode="deterministic", batch_size=None):
    """Rows of the translation metrics `names` for a Pix2Pix or CycleGAN on the held-out split of
    `data_config`'s data (its first `n` examples when given); `mode` and `batch_size` go to
    `translate` (in "paper" mode the batch size sets batch norm's statistics)."""
    from ganzoo.data.translation import digits_views, held_out_pairs, known_transforms
    from ganzoo.metrics.translation import colourfulness, l1_error, psnr

    name, reverse = data_config["name"], data_config.get("reverse", False)
    pairs = held_out_pairs(name, image_size=data_config.get("image_size"), reverse=reverse, limit=n)
    to_digits = digits_views(name, reverse)
    classifier = None
    if {"class_accuracy_digits", "fd_digits", "kid_digits"} & set(names):
        from ganzoo.metrics.digits import DigitsClassifier

        needed = (to_digits[1],) if pairs.paired else to_digits
        if any(view is None for view in needed):
            raise DataError(f"digits metrics after translation need outputs that are digits (edges2digits, "
                            f"digits-negative; not reversed edges2digits). Received: data {name!r}, "
                            f"reverse={reverse}")
        classifier = DigitsClassifier()
    translate = lambda images, direction=None, inference=mode: model.translate(  # noqa: E731
        images, direction=direction, mode=inference, batch_size=batch_size)
    if mode == "paper":
        mode = f"paper (test batches of {batch_size or 1})"
    rows = []
    if len(model.directions) == 1:
        if not pairs.paired:
            raise DataError(f"A {type(model).__name__} is measured on aligned pairs. Received: unpaired data {name!r}")
        if "cycle_error" in names:
            raise DataError(f"cycle_error needs a CycleGAN. Received: a {type(model).__name__}")
        outputs = translate(pairs.first)
        note = f"held-out {name} pairs, output vs target"
        if "l1" in names:
            rows.append(_score_row("l1", l1_error(outputs, pairs.second), note, mode))
        if "psnr" in names:
            rows.append(_score_row("psnr", psnr(outputs, pairs.second), note + " (dB, peak 1 on [0, 1])", mode))
        if "colourfulness" in names:
            if outputs.shape[-1] != 3:
                raise DataError(f"colourfulness needs RGB outputs. Received: {outputs.shape[-1]} channel(s)")
            rows.append(_score_row("colourfulness", colourfulness(outputs), f"held-out {name} outputs", mode))
            rows.append({**_score_row("colourfulness_targets", colourfulness(pairs.second),
                                      f"held-out {name} targets", mode), "note": f"held-out {name} targets"})
        distances = [m for m in ("fd_digits", "kid_digits") if m in names]
        if distances:
            rows += _distance_rows(classifier, to_digits[1](outputs), to_digits[1](pairs.second), distances, mode)
        if "class_accuracy_digits" in names:
            rows.append(_class_survival_row("class_accuracy_digits", classifier, to_digits[1](outputs),
                                            pairs.first_labels, f"classifier on outputs vs the source's class", mode))
            rows.append(_class_survival_row("class_accuracy_digits_ceiling", classifier, to_digits[1](pairs.second),
                                            pairs.second_labels, "classifier on the real targets", None))
        return rows
    a_to_b, b_to_a = translate(pairs.first, "a_to_b"), translate(pairs.second, "b_to_a")
    if "cycle_error" in names:
        rows.append(_score_row("cycle_error_a", l1_error(translate(a_to_b, "b_to_a"), pairs.first),
                               f"held-out {name} domain A: |F(G(a)) - a|", mode))
        rows.append(_score_row("cycle_error_b", l1_error(translate(b_to_a, "a_to_b"), pairs.second),
                               f"held-out {name} domain B: |G(F(b)) - b|", mode))
    truth = known_transforms(name, reverse)
    if ("l1" in names or "psnr" in names) and truth is None:
        raise DataError(f"l1/psnr for unpaired data need a known transform between the domains (e.g. "
                        f"digits-negative). Received: data {name!r}")
    for metric, score in (("l1", l1_error), ("psnr", psnr)):
        if metric in names:
            rows.append(_score_row(f"{metric}_a_to_b", score(a_to_b, truth[0](pairs.first)),
                                   f"held-out {name}: G(a) vs the known transform of a", mode))
            rows.append(_score_row(f"{metric}_b_to_a", score(b_to_a, truth[1](pairs.second)),
                                   f"held-out {name}: F(b) vs the known inverse transform of b", mode))
    if {"fd_digits", "kid_digits", "colourfulness"} & set(names):
        raise DataError("fd_digits, kid_digits and colourfulness are measured for paired translation (pix2pix)")
    if classifier is not None:
        rows.append(_class_survival_row("class_accuracy_digits_a_to_b", classifier, to_digits[1](a_to_b),
                                        pairs.first_labels, "class of a kept in G(a)", mode))
        rows.append(_class_survival_row("class_accuracy_digits_b_to_a", classifier, to_digits[0](b_to_a),
                                        pairs.second_labels, "class of b kept in F(b)", mode))
        for side, images, labels, view in (("a", pairs.first, pairs.first_labels, to_digits[0]),
                                           ("b", pairs.second, pairs.second_labels, to_digits[1])):
            rows.append(_class_survival_row(f"class_accuracy_digits_ceiling_{side}", classifier, view(images), labels,
                                            f"classifier on real domain {side.upper()}", None))
    return rows


def translation_training_metrics(data_config, n=64):
    """For periodic logging of a translation model: held-out L1 (paired) or cycle error (unpaired) on
    the first `n` held-out examples."""
    from ganzoo.data.translation import held_out_pairs
    from ganzoo.metrics.translation import l1_error

    pairs = held_out_pairs(data_config["name"], image_size=data_config["image_size"],
                           reverse=data_config["reverse"], limit=n)

    def metrics(model):
        if pairs.paired:
            return {f"held_out_l1_n{len(pairs.first)}": float(l1_error(model.translate(pairs.first), pairs.second).mean())}
        cycled = model.translate(model.translate(pairs.first, direction="a_to_b"), direction="b_to_a")
        return {f"held_out_cycle_error_a_n{len(pairs.first)}": float(l1_error(cycled, pairs.first).mean())}

    return metrics


def held_out_labelled(data_name, sample_shape, n, seed):
    """(reference, reference labels, query, query labels) for a model of samples `sample_shape`: the
    digits train and test splits, or for a 2D mixture n points each (labels: the mode), seeds apart."""
    if data_name in ganzoo.data.MIXTURES and tuple(sample_shape) == (2,):
        mixture = ganzoo.data.MIXTURES[data_name]
        return (*mixture.sample(n, seed=seed + 1), *mixture.sample(n, seed=seed))
    if data_name == "digits" and len(sample_shape) == 3:
        return (*ganzoo.data.load_arrays("digits", split="train", image_size=sample_shape[0]),
                *ganzoo.data.load_arrays("digits", split="test", image_size=sample_shape[0]))
    raise DataError(f"BiGAN metrics need held-out digits or a 2D mixture {sorted(ganzoo.data.MIXTURES)}. "
                    f"Received: data {data_name!r} for samples of shape {tuple(sample_shape)}")


def inversion_rows(model, names, data_name, n, seed):
    """Rows of the BiGAN metrics `names` (Donahue et al. 2017: do E and G invert each other, and is E(x)
    a representation?), each beside the baseline that gives it meaning."""
    from ganzoo.metrics import nearest_neighbour_accuracy
    from ganzoo.metrics.representation import untrained_copy

    if model.layout != "joint":
        raise DataError(f"{list(INVERSION_METRICS)} need a model with an encoder (BiGAN). Received: a "
                        f"{type(model).__name__}")
    reference, reference_labels, query, query_labels = held_out_labelled(data_name, model.sample_shape, n, seed)
    untrained = untrained_copy(model.encoder)  # E as it started: the baseline of the 1-NN and class-kept rows
    rows = []
    if "knn_accuracy" in names:
        for metric, features, note in (
                ("knn_accuracy", model.encode, "E(x) of held-out data, training data as reference"),
                ("knn_accuracy_inputs", lambda x: x, "raw inputs, the same sets"),
                ("knn_accuracy_untrained_encoder", lambda x: untrained.predict(x, verbose=0, batch_size=256),
                 "E's architecture at fresh initial weights: what training must beat")):
            accuracy, n_query, n_reference = nearest_neighbour_accuracy(features(reference), reference_labels,
                                                                        features(query), query_labels)
            rows.append({"metric": metric, "value": accuracy, "n_real": n_query,
                         "n_reference": n_reference, "note": note})
    if "x_reconstruction_error" in names:
        rows += [{"metric": "x_reconstruction_error", "value": float(np.mean((model.reconstruct(query) - query) ** 2)),
                  "n_real": len(query), "note": "mean squared error of G(E(x)) on held-out data"},
                 {"metric": "x_reconstruction_error_baseline", "value": float(np.mean((query - query.mean(0)) ** 2)),
                  "n_real": len(query), "note": "always answering the held-out mean"}]
    if "z_reconstruction_error" in names:
        z = np.asarray(model.sample_latents(n, seed=seed))
        recovered = model.encode(model.inference_network("generator").predict(z, verbose=0, batch_size=256))
        rows += [{"metric": "z_reconstruction_error", "value": float(np.mean((recovered - z) ** 2)), "n_fake": n,
                  "note": "mean squared error of E(G(z)), z from the prior"},
                 {"metric": "z_reconstruction_error_baseline", "value": float(np.mean((z - z.mean(0)) ** 2)),
                  "n_fake": n, "note": "always answering the prior's mean (its variance)"}]
    if "reconstruction_class_accuracy_digits" in names:
        from ganzoo.metrics.digits import DigitsClassifier, class_accuracy

        if data_name != "digits":
            raise DataError(f"reconstruction_class_accuracy_digits needs a model of the digits. Received: data "
                            f"{data_name!r}")
        classifier = DigitsClassifier()
        kept = class_accuracy(classifier, model.reconstruct(query), query_labels)
        generator = model.inference_network("generator")
        through_untrained = generator.predict(untrained.predict(query, verbose=0, batch_size=256), verbose=0,
                                              batch_size=256)
        kept_untrained = class_accuracy(classifier, through_untrained, query_labels)
        ceiling = class_accuracy(classifier, query, query_labels)
        rows += [{"metric": "reconstruction_class_accuracy_digits", "value": kept["accuracy"], "n_real": kept["n"],
                  "feature_extractor": classifier.name, "note": "classifier gives G(E(x)) the class of x (chance 0.1)"},
                 {"metric": "reconstruction_class_accuracy_digits_untrained_encoder",
                  "value": kept_untrained["accuracy"], "n_real": kept_untrained["n"], "feature_extractor": classifier.name,
                  "note": "the same through E's initial weights: what training E adds"},
                 {"metric": "reconstruction_class_accuracy_digits_ceiling", "value": ceiling["accuracy"],
                  "n_real": ceiling["n"], "feature_extractor": classifier.name,
                  "note": "classifier on the held-out digits themselves"}]
    return rows


def training_metrics(data_name, sample_shape, n=500, seed=0):
    """A `model -> {metric: value}` function suited to the data, for periodic logging; None if none is."""
    if data_name in ganzoo.data.MIXTURES:
        mixture = ganzoo.data.MIXTURES[data_name]

        def modes(model):
            result = ganzoo.metrics.mode_coverage(model.generate(2500, seed=seed), mixture)
            return {k: result[k] for k in ("modes_captured", "high_quality_fraction", "reverse_kl")}

        return modes
    if data_name == "digits" and len(sample_shape) == 3:
        from ganzoo.metrics.digits import DigitsClassifier, digits_scores

        classifier = DigitsClassifier()
        real, _ = ganzoo.data.load_arrays("digits", split="train", image_size=sample_shape[0])

        def digits(model):
            scores = digits_scores(real, model.generate(n, seed=seed), classifier, kid_subsets=20, seed=seed)
            return {f"fd_digits_n{n}": scores["fd_digits"], f"kid_digits_n{n}": scores["kid_digits"]}

        return digits
    return None


def evaluate(source, *, metrics=("modes",), n=None, seed=0, data=None, out=None, mode="deterministic",
             batch_size=None):
    """Evaluates the model of a run folder or .keras file; returns the rows and writes them as JSON to
    `out`. `n`: generated samples (default 2000); translation models are measured on the whole
    held-out split, or its first `n` examples, in inference `mode` with test batches of `batch_size`."""
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise GanzooError(f"Unknown metric. Expected some of {list(METRICS)}. Received: {unknown}")
    if n is not None and n < 2:
        raise GanzooError(f"--n must be at least 2. Received: {n}")
    model = ganzoo.runs.load_run(source)
    if model.layout in TRANSLATION_LAYOUTS:
        wrong = sorted(set(metrics) - set(TRANSLATION_METRICS))
        if wrong:
            raise GanzooError(f"A {type(model).__name__} is measured by {list(TRANSLATION_METRICS)}. Received: {wrong}")
        data_config = run_data_config(source, data)
        if data:  # only a name was given: the model's training size
            data_config["image_size"] = model.source_shape[0]
        try:
            rows = translation_rows(model, data_config, metrics, n=n, mode=mode, batch_size=batch_size)
        except ValueError as error:  # data that does not fit the model, a bad batch size
            raise DataError(f"Cannot measure {type(model).__name__} on {data_config['name']!r}: {error}") from None
        return _finish_rows(rows, source, seed, out)
    if mode != "deterministic":
        raise GanzooError(f"--mode applies to translation models. Received: mode={mode!r} for a {type(model).__name__}")
    n = 2000 if n is None else n
    rows = []
    inversion_metrics = [m for m in metrics if m in INVERSION_METRICS]
    if inversion_metrics:
        rows += inversion_rows(model, inversion_metrics, run_data_name(source, data), n, seed)
    digits_metrics = [m for m in metrics if m in ("fd_digits", "kid_digits", "cs_digits")]
    if digits_metrics:
        rows += _digits_rows(model, digits_metrics, n, seed)
    if "class_accuracy_digits" in metrics:
        rows += _class_accuracy_rows(model, n, seed)
    inception_metrics = [m for m in metrics if m in ("fid", "kid")]
    if inception_metrics:
        rows += _inception_rows(model, inception_metrics, n, seed, run_data_name(source, data))
    if "modes" in metrics:
        name = run_data_name(source, data)
        if name not in ganzoo.data.MIXTURES:
            raise DataError(f"modes needs a 2D mixture {sorted(ganzoo.data.MIXTURES)}. Received: data {name!r}")
        result = ganzoo.metrics.mode_coverage(model.generate(n, seed=seed), ganzoo.data.MIXTURES[name])
        for key in ("modes_captured", "high_quality_fraction", "reverse_kl"):
            rows.append({"metric": key, "value": result[key], "n_fake": n, "feature_extractor": None,
                         "note": f"{name} mixture, PacGAN protocol"})
    return _finish_rows(rows, source, seed, out)


def _finish_rows(rows, source, seed, out):
    for row in rows:
        row.update(seed=seed, ganzoo_version=ganzoo.__version__, source=str(source))
    if out:
        Path(out).write_text(json.dumps(rows, indent=1) + "\n")
    return rows


def format_table(rows):
    width = max([24] + [len(row["metric"]) for row in rows])
    lines = [f"{'metric':<{width}} {'value':>12} {'+- std':>9} {'N fake':>7} {'N real':>7}  note"]
    for row in rows:
        value = row["value"]
        shown = f"{value:.4f}" if isinstance(value, float) and np.isfinite(value) else str(value)
        std = f"{row['std']:.4f}" if "std" in row else ""
        lines.append(f"{row['metric']:<{width}} {shown:>12} {std:>9} {row.get('n_fake', ''):>7} "
                     f"{row.get('n_real', '') or '':>7}  {row.get('note', '')}")
    return "\n".join(lines)
