"""The metric registry: every metric `ganzoo evaluate` knows, the layouts it applies to, and the
function that measures it.

A metric is registered per layout family: `fd_digits` of a generator (samples vs the digits train
split) and `fd_digits` of a pix2pix on edges2digits (outputs vs the same split) share a name and are
measured by different functions. The functions are named by "module:function" and imported only
when a metric is measured, so listing metrics (CLI help, `metrics_for_layout`) needs no TensorFlow.

A measuring function takes `(model, names, request)`: the trained model, the requested metric names
it measures (in catalogue order), and a `Request`; it returns rows (dicts with at least "metric" and
"value"). To add a metric, write its function in a module of `ganzoo.evaluation` and call
`register_metric`.
"""

import importlib
from dataclasses import dataclass
from typing import NamedTuple, Optional, Tuple

from ganzoo.errors import DataError, GanzooError
from ganzoo.layouts import LATENT_LAYOUTS, LAYOUT_DESCRIPTIONS, LAYOUTS, TRANSLATION_LAYOUTS


class Metric(NamedTuple):
    name: str
    layouts: Tuple[str, ...]
    function: str  # "module:function", imported when measured
    summary: str


@dataclass(frozen=True)
class Request:
    """What a measuring function needs besides the model.

    n: generated samples (latent layouts), or held-out examples to use (None: all; translation).
    mode, batch_size: how translators run (see `translate`).
    truncation: psi of StyleGAN2's truncation for the generated samples (None: no truncation).
    data: the data section the model was trained on ({"name", "image_size", "reverse"}), or None when
        it cannot be told (a bare .keras file without --data); `unknown_data` then says why, and
        `training_data` raises it for the metrics that need the data."""

    n: Optional[int]
    seed: int
    data: Optional[dict] = None
    mode: str = "deterministic"
    batch_size: Optional[int] = None
    unknown_data: str = "the training data is unknown"
    truncation: Optional[float] = None

    def generate(self, model, n=None, **condition):
        """`n` (default: the request's) samples of `model` from the request's seed, truncated when asked."""
        options = {} if self.truncation is None else {"truncation": self.truncation}
        return model.generate(self.n if n is None else n, seed=self.seed, **condition, **options)

    @property
    def training_data(self):
        if self.data is None:
            raise DataError(self.unknown_data)
        return self.data


_METRICS = []


def register_metric(name, *, layouts, function, summary):
    """Registers metric `name` for `layouts`, measured by `function` ("module:function")."""
    unknown = sorted(set(layouts) - set(LAYOUTS))
    if unknown or not layouts:
        raise ValueError(f"A metric's layouts must be some of {LAYOUTS}. Received: {layouts!r} for {name!r}")
    taken = sorted(set(layouts) & {layout for metric in _METRICS if metric.name == name for layout in metric.layouts})
    if taken:
        raise ValueError(f"Metric {name!r} is already registered for {taken}")
    _METRICS.append(Metric(name, tuple(layouts), function, summary))


def metric_names():
    """Every metric name, in registration order."""
    return tuple(dict.fromkeys(metric.name for metric in _METRICS))


def metrics_for_layout(layout):
    """The names of the metrics that apply to models of `layout`."""
    return tuple(metric.name for metric in _METRICS if layout in metric.layouts)


def check_known(names):
    """Refuses, in one line, metric names that no layout has."""
    unknown = sorted(set(names) - set(metric_names()))
    if unknown:
        raise GanzooError(f"Unknown metric. Expected some of {list(metric_names())}. Received: {unknown}")


def resolve(names, layout, model_name):
    """[(function, [names it measures])] for metric `names` of a model of `layout`, in catalogue
    order; an unknown name, or one that does not apply to the layout, is a one-line error."""
    check_known(names)
    applicable = [metric for metric in _METRICS if layout in metric.layouts]
    wrong = sorted(set(names) - {metric.name for metric in applicable})
    if wrong:
        needed = " or ".join(LAYOUT_DESCRIPTIONS[other] for other in LAYOUTS
                             if any(other in metric.layouts for metric in _METRICS if metric.name in wrong))
        raise GanzooError(f"{wrong} need {needed}; a {model_name} is {LAYOUT_DESCRIPTIONS[layout]}, measured by "
                          f"{list(metrics_for_layout(layout))}. Received: --metrics {','.join(names)}")
    groups = {}
    for metric in applicable:
        if metric.name in names:
            groups.setdefault(metric.function, []).append(metric.name)
    return [(_import(function), group) for function, group in groups.items()]


def _import(function):
    module, name = function.split(":")
    return getattr(importlib.import_module(module), name)


def help_text():
    """One line per layout: the metrics that apply to it (for `ganzoo evaluate --help`)."""
    return "; ".join(f"{layout}: {','.join(metrics_for_layout(layout))}" for layout in LAYOUTS)


_DIGITS, _TRANSLATION = "ganzoo.evaluation.digits", "ganzoo.evaluation.translation"
for _name, _summary in (("fd_digits", "Frechet distance in the digits classifier's features, vs the train split"),
                        ("kid_digits", "kernel distance in the digits classifier's features, vs the train split"),
                        ("cs_digits", "classifier score (Inception Score form) of samples, beside real test images'")):
    register_metric(_name, layouts=LATENT_LAYOUTS, function=f"{_DIGITS}:sample_distance_rows", summary=_summary)
register_metric("class_accuracy_digits", layouts=("latent",), function=f"{_DIGITS}:class_accuracy_rows",
                summary="class-conditional models: the classifier agrees with the requested class")
for _name in ("fid", "kid"):
    register_metric(_name, layouts=LATENT_LAYOUTS, function="ganzoo.evaluation.inception:inception_rows",
                    summary=f"{_name.upper()} in InceptionV3 pool features (needs the ImageNet weights)")
register_metric("modes", layouts=LATENT_LAYOUTS, function="ganzoo.evaluation.mixtures:mode_rows",
                summary="PacGAN mode coverage on the ring/grid mixtures")
for _name, _summary in (("knn_accuracy", "1-NN accuracy in E(x) space, beside raw inputs and an untrained E"),
                        ("x_reconstruction_error", "mean squared error of G(E(x)) on held-out data"),
                        ("z_reconstruction_error", "mean squared error of E(G(z))"),
                        ("reconstruction_class_accuracy_digits", "how often G(E(x)) keeps a held-out digit's class")):
    register_metric(_name, layouts=("joint",), function="ganzoo.evaluation.inversion:inversion_rows",
                    summary=_summary)
for _name, _layouts, _summary in (
        ("l1", TRANSLATION_LAYOUTS, "mean |output - target| (pix2pix) or vs the known transform (CycleGAN)"),
        ("psnr", TRANSLATION_LAYOUTS, "peak signal-to-noise ratio, the same pairs as l1"),
        ("cycle_error", ("unpaired",), "mean |F(G(a)) - a| and |G(F(b)) - b| on held-out images"),
        ("class_accuracy_digits", TRANSLATION_LAYOUTS, "how often a held-out digit's class survives translation"),
        ("fd_digits", ("paired",), "Frechet distance of digit outputs vs the digits train split"),
        ("kid_digits", ("paired",), "kernel distance of digit outputs vs the digits train split"),
        ("colourfulness", ("paired",), "Hasler & Suesstrunk colourfulness of RGB outputs beside the targets'")):
    register_metric(_name, layouts=_layouts, function=f"{_TRANSLATION}:translation_rows", summary=_summary)
