"""Translation metrics of a Pix2Pix or CycleGAN on held-out data, in the chosen inference mode, each
with the standard error over images: L1 and PSNR against the targets (pix2pix) or the known transform
between the domains (CycleGAN on digits-negative), cycle error, the class of a digit kept through
translation, digit-likeness of outputs as a set (fd/kid_digits), and colourfulness of RGB outputs."""

from ganzoo import data as ganzoo_data
from ganzoo.data.translation import digits_views, held_out_pairs, known_transforms
from ganzoo.errors import DataError
from ganzoo.evaluation.digits import digits_score_row
from ganzoo.metrics.digits import DigitsClassifier, class_accuracy, digits_scores
from ganzoo.metrics.translation import colourfulness, l1_error, psnr, summary


def _score_row(metric, scores, note, mode):
    result = summary(scores)
    return {"metric": metric, "value": result["value"], "std": result["std_error"], "n_fake": result["n"],
            "feature_extractor": None, "note": f"{note}; {mode} mode; std = standard error over images"}


def _class_survival_row(metric, classifier, images, labels, note, mode):
    result = class_accuracy(classifier, images, labels)
    return {"metric": metric, "value": result["accuracy"], "n_fake": result["n"],
            "feature_extractor": classifier.name, "note": f"{note}; {mode} mode" if mode else note}


def _distance_rows(classifier, outputs, targets, names, mode, seed=0):
    """fd/kid_digits of translation outputs and of the real targets, each against the digits train split."""
    train, _ = ganzoo_data.load_arrays("digits", split="train", image_size=outputs.shape[1])
    rows = []
    for label, images, note in (("", outputs, f"outputs vs real train split; {mode} mode"),
                                ("_targets", targets, "held-out targets vs real train split")):
        scores = digits_scores(train, images, classifier, seed=seed)
        rows += [digits_score_row(name, label, scores, classifier.name, note) for name in names]
    return rows


def translation_rows(model, names, request):
    """Rows of the translation metrics `names` for a Pix2Pix or CycleGAN on the held-out split of
    `request.data` (its first `request.n` examples when given); `request.mode` and `request.batch_size`
    go to `translate` (in "paper" mode the batch size sets batch norm's statistics)."""
    data_config, n, mode, batch_size = request.training_data, request.n, request.mode, request.batch_size
    name, reverse = data_config["name"], data_config.get("reverse", False)
    pairs = held_out_pairs(name, image_size=data_config.get("image_size"), reverse=reverse, limit=n)
    to_digits = digits_views(name, reverse)
    classifier = None
    if {"class_accuracy_digits", "fd_digits", "kid_digits"} & set(names):
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
                                            pairs.first_labels, "classifier on outputs vs the source's class", mode))
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
