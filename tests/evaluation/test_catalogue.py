"""The metric registry: which metrics apply to which layout, how requests are grouped into measuring
functions, one-line refusals, and that listing metrics needs no TensorFlow."""

import subprocess
import sys

import pytest

from ganzoo.errors import GanzooError
from ganzoo.evaluation import catalogue
from ganzoo.evaluation.digits import class_accuracy_rows, sample_distance_rows
from ganzoo.evaluation.translation import translation_rows
from ganzoo.layouts import LAYOUTS


def test_every_layout_has_metrics_and_every_metric_a_layout():
    for layout in LAYOUTS:
        assert catalogue.metrics_for_layout(layout)
    assert set(catalogue.metric_names()) == {name for layout in LAYOUTS for name in catalogue.metrics_for_layout(layout)}
    assert "knn_accuracy" in catalogue.metrics_for_layout("joint")
    assert "knn_accuracy" not in catalogue.metrics_for_layout("latent")
    assert "cycle_error" in catalogue.metrics_for_layout("unpaired")
    assert "cycle_error" not in catalogue.metrics_for_layout("paired")
    assert "modes" not in catalogue.metrics_for_layout("paired")


def test_one_name_is_measured_by_the_function_of_the_models_layout():
    assert catalogue.resolve(["fd_digits", "class_accuracy_digits"], "latent", "GAN") == [
        (sample_distance_rows, ["fd_digits"]), (class_accuracy_rows, ["class_accuracy_digits"])]
    assert catalogue.resolve(["fd_digits", "l1", "class_accuracy_digits"], "paired", "Pix2Pix") == [
        (translation_rows, ["l1", "class_accuracy_digits", "fd_digits"])]


def test_unknown_and_inapplicable_metrics_are_one_line_errors():
    with pytest.raises(GanzooError, match=r"Unknown metric. Expected some of \[.*'modes'.*\]. Received: \['fdi'\]"):
        catalogue.resolve(["modes", "fdi"], "latent", "GAN")
    with pytest.raises(GanzooError) as raised:
        catalogue.resolve(["cycle_error"], "paired", "Pix2Pix")
    message = str(raised.value)
    assert "['cycle_error'] need two translators between unpaired domains (CycleGAN)" in message
    assert "a Pix2Pix is a translator trained on aligned pairs (pix2pix)" in message and "\n" not in message


def test_registering_twice_or_for_an_unknown_layout_is_refused():
    with pytest.raises(ValueError, match=r"Metric 'modes' is already registered for \['latent'\]"):
        catalogue.register_metric("modes", layouts=("latent",), function="m:f", summary="")
    with pytest.raises(ValueError, match="layouts must be some of"):
        catalogue.register_metric("new_metric", layouts=("images",), function="m:f", summary="")
    assert "new_metric" not in catalogue.metric_names()


def test_help_and_listings_load_no_tensorflow():
    script = ("import sys, ganzoo\n"
              "from ganzoo.cli import _parser\n"
              "from ganzoo.evaluation import metrics_for_layout\n"
              "help_text = _parser().format_help()\n"
              "entries = ganzoo.zoo.list_models()\n"
              "assert 'dcgan-digits' in entries and entries['dcgan-digits'], entries\n"
              "assert metrics_for_layout('joint')\n"
              "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
              "assert not loaded, loaded[:5]\n"
              "import ganzoo.training\n"
              "assert 'tensorflow' in sys.modules  # and the lazy names still resolve to the real modules\n"
              "assert ganzoo.GAN is ganzoo.trainers.GAN\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
