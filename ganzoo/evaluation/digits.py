"""Metrics in the feature space of the shipped digits classifier (offline stand-ins for FID/KID/IS):
distances of generated samples to the digits train split, the classifier score, and class accuracy
of class-conditional samples."""

import numpy as np

from ganzoo import data as ganzoo_data
from ganzoo.errors import DataError
from ganzoo.metrics.digits import DigitsClassifier, class_accuracy, digits_scores


def sample_distance_rows(model, names, request):
    """fd_digits / kid_digits / cs_digits of `request.n` samples, each beside its floor (the real test
    split vs the train split, `*_floor`)."""
    if len(model.sample_shape) != 3 or model.sample_shape[-1] != 1:
        raise DataError(f"fd_digits/kid_digits need grayscale images. Received: samples of shape {model.sample_shape}")
    classifier = DigitsClassifier()
    train, _ = ganzoo_data.load_arrays("digits", split="train", image_size=model.sample_shape[0])
    test, _ = ganzoo_data.load_arrays("digits", split="test", image_size=model.sample_shape[0])
    scores = digits_scores(train, request.generate(model), classifier, seed=request.seed)
    floor = digits_scores(train, test, classifier, seed=request.seed)
    rows = []
    for name in names:
        for suffix, result, note in (("", scores, "generated vs real train split"),
                                     ("_floor", floor, "real test split vs real train split")):
            rows.append(digits_score_row(name, suffix, result, classifier.name, note))
    return rows


def digits_score_row(name, suffix, scores, extractor, note):
    """One row of `digits_scores` output: metric `name + suffix`, with KID's std and subset size."""
    row = {"metric": name + suffix, "value": scores[name], "n_fake": scores["n_fake"], "n_real": scores["n_real"],
           "feature_extractor": extractor, "note": note}
    if name == "kid_digits":
        row.update(std=scores["kid_digits_std"], subset_size=scores["kid_subset_size"])
    return row


def class_accuracy_rows(model, names, request):
    """How often the classifier gives a class-conditional sample the class it was generated for
    (every class equally often), overall and per class, beside the classifier's accuracy on the real
    test split (the ceiling)."""
    if not model.conditional:
        raise DataError("class_accuracy_digits needs a class-conditional model (e.g. cgan-digits). "
                        f"Received: a {type(model).__name__}")
    classifier, n = DigitsClassifier(), request.n
    labels = model.default_labels(n)
    fake = class_accuracy(classifier, request.generate(model, labels=labels), labels)
    test, test_labels = ganzoo_data.load_arrays("digits", split="test", image_size=model.sample_shape[0])
    real = class_accuracy(classifier, test, test_labels)
    rows = [{"metric": "class_accuracy_digits", "value": fake["accuracy"], "n_fake": n,
             "note": "classifier agrees with the requested class"},
            {"metric": "class_accuracy_digits_ceiling", "value": real["accuracy"], "n_real": real["n"],
             "note": "classifier on the real test split"}]
    rows += [{"metric": f"class_accuracy_digits_class_{label}", "value": value,
              "n_fake": int(np.sum(labels == label)), "note": f"samples asked to be a {label}"}
             for label, value in fake["per_class"].items()]
    for row in rows:
        row["feature_extractor"] = classifier.name
    return rows
