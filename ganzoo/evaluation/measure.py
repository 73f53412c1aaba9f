"""`ganzoo evaluate`: the rows of the requested metrics (see `catalogue`), each with N, seed, feature
extractor, ganzoo version and source."""

import json
from pathlib import Path

import numpy as np

import ganzoo
from ganzoo.errors import DataError, GanzooError
from ganzoo.evaluation import catalogue
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.inference import check_truncation
from ganzoo.outputs import check_output
from ganzoo.run_folder import load_run, run_data_config

#: Samples a generator is measured on when `n` is not given.
DEFAULT_SAMPLES = 2000


def evaluate(source, *, metrics=None, n=None, seed=0, data=None, out=None, mode="deterministic",
             batch_size=None, truncation=None):
    """Evaluates the model of a run folder, .keras file or zoo entry; returns the rows and writes them
    as JSON to `out`. `metrics`: names from the catalogue (None: `default_metrics` of the model and its
    data). `n`: generated samples (default 2000); translation models are measured on the
    whole held-out split, or its first `n` examples, in inference `mode` with test batches of
    `batch_size`. `data` names the training data when `source` does not record it. `truncation`:
    StyleGAN2's psi for the generated samples."""
    if out is not None:
        check_output(out, option="--json")
    if metrics is not None:
        catalogue.check_known(metrics)  # before the model is loaded
    if n is not None and n < 2:
        raise GanzooError(f"--n must be at least 2. Received: {n}")
    model = load_run(source)
    translating = model.layout in TRANSLATION_LAYOUTS
    try:
        data_config, unknown = run_data_config(source, data), None
    except DataError as error:
        data_config, unknown = None, str(error)
    if data and translating:  # only a name was given: the model's training size
        data_config["image_size"] = model.source_shape[0]
    if metrics is None:
        if data_config is None:
            raise DataError(f"{unknown} (it chooses the metrics)")
        metrics = default_metrics(model, data_config)
    measures = catalogue.resolve(metrics, model.layout, type(model).__name__)
    check_truncation(model, truncation)
    if mode != "deterministic" and not translating:
        raise GanzooError(f"--mode applies to translation models. Received: mode={mode!r} for a {type(model).__name__}")
    request = catalogue.Request(n=n if translating or n is not None else DEFAULT_SAMPLES, seed=seed, data=data_config,
                                mode=mode, batch_size=batch_size, unknown_data=unknown or "", truncation=truncation)
    rows = []
    for measure, names in measures:
        try:
            rows += measure(model, names, request)
        except DataError:
            raise
        except ValueError as error:  # data that does not fit the model, a bad batch size
            if not translating:
                raise
            on = repr(data_config["name"]) if data_config else "its data"
            raise DataError(f"Cannot measure {type(model).__name__} on {on}: {error}") from None
    return _finish_rows(rows, source, seed, out, truncation)


def default_metrics(model, data_config):
    """The metrics that suit `model` (by its layout) trained on `data_config` (its data section): what
    `evaluate` measures when none are named, and what the pretrained zoo records.

    Generators: the mode protocol on ring/grid, the digits classifier's distances on digits (with the
    class accuracy of conditional models), FID/KID in Inception features on other images; BiGAN adds
    its inversion metrics. pix2pix: L1 and PSNR to the targets, with the digits metrics when its outputs
    are digits and colourfulness when they are colour. CycleGAN: cycle error, L1 and PSNR where the
    transform between the domains is known, class survival between digit domains."""
    from ganzoo.data.translation import KNOWN_TRANSFORMS, digits_views

    name = data_config["name"]
    if model.layout in TRANSLATION_LAYOUTS:
        to_digits = digits_views(name, data_config.get("reverse", False))
        if model.layout == "paired":
            if to_digits[1] is not None:
                return ["l1", "psnr", "class_accuracy_digits", "fd_digits", "kid_digits"]
            return ["l1", "psnr"] + (["colourfulness"] if model.target_shape[-1] == 3 else [])
        return (["cycle_error"] + (["l1", "psnr"] if name in KNOWN_TRANSFORMS else [])
                + (["class_accuracy_digits"] if None not in to_digits else []))
    if name in ("ring", "grid"):
        metrics = ["modes"]
    elif name == "digits":
        metrics = ["fd_digits", "kid_digits", "cs_digits"] + (["class_accuracy_digits"] if model.conditional else [])
    else:
        metrics = ["fid", "kid"]
    if model.layout == "joint":
        metrics += ["knn_accuracy", "x_reconstruction_error", "z_reconstruction_error"]
        metrics += ["reconstruction_class_accuracy_digits"] if name == "digits" else []
    return metrics


def _finish_rows(rows, source, seed, out, truncation=None):
    for row in rows:
        row.update(seed=seed, ganzoo_version=ganzoo.__version__, source=str(source))
        if truncation is not None:
            row["truncation"] = truncation
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
