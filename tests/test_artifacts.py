"""Shipped artefacts are checked byte for byte before anything reads them, in every format, and the
manifest cannot point outside pretrained/; the README's table and setup.cfg follow the manifest."""

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import ganzoo
from ganzoo import artifacts
from ganzoo.errors import ConfigError, DataError, PretrainedError
from ganzoo.lite import TFLiteModel

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = artifacts.read_manifest()
#: zoo entries that ship every deployment format
EXPORTED = sorted(entry for entry, described in MANIFEST.items() if "model_float16.tflite" in described["files"])
#: entries shipped without model.keras (over the tool's size limit): they load from their SavedModel
FROM_SAVED_MODEL = sorted(entry for entry in EXPORTED if "model.keras" in MANIFEST[entry].get("left_out", {}))


@pytest.fixture()
def copy(tmp_path):
    """A copy of pretrained/ to tamper with."""
    target = tmp_path / "pretrained"
    shutil.copytree(artifacts.pretrained_dir(), target)
    return target


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_manifest_paths_cannot_leave_the_pretrained_folder(copy, tmp_path):
    (tmp_path / "secret.keras").write_bytes(b"outside")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["dcgan-digits"]["files"]["../../secret.keras"] = {"sha256": artifacts.sha256_of(tmp_path / "secret.keras"),
                                                              "bytes": 7}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PretrainedError, match="must stay inside"):
        artifacts.verified_path("dcgan-digits", "../../secret.keras", copy)
    (copy / "dcgan-digits" / "link.keras").symlink_to(tmp_path / "secret.keras")
    manifest["dcgan-digits"]["files"]["link.keras"] = manifest["dcgan-digits"]["files"]["../../secret.keras"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PretrainedError, match="must stay inside"):
        artifacts.verified_path("dcgan-digits", "link.keras", copy)
    manifest["dcgan-digits"]["files"]["../gan-ring/model.keras"] = manifest["gan-ring"]["files"]["model.keras"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PretrainedError, match="must stay inside"):  # another entry's file is not this one's
        artifacts.verified_path("dcgan-digits", "../gan-ring/model.keras", copy)


def test_every_shipped_gan_comes_in_every_format():
    games = set(MANIFEST) & set(ganzoo.list_models())
    assert games and set(EXPORTED) == games
    for entry in EXPORTED:
        files = MANIFEST[entry]["files"]
        assert ("model.keras" in files) != (entry in FROM_SAVED_MODEL) and "saved_model/saved_model.pb" in files
        assert any(name.startswith("saved_model/variables/") for name in files)
        assert {"config", "cpu_seconds", "ganzoo_version", "recipe", "metrics"} <= set(MANIFEST[entry])


@pytest.mark.parametrize("entry", EXPORTED)
def test_one_changed_byte_in_any_shipped_file_is_refused_before_loading(entry, copy):
    files = sorted(MANIFEST[entry]["files"], key=lambda name: MANIFEST[entry]["files"][name]["bytes"])
    for name in files:
        target = copy / entry / name
        original = target.read_bytes()
        _flip_byte(target)
        kind = "tflite" if name.endswith(".tflite") else "saved_model" if name.startswith("saved_model/") else "keras"
        load = {"keras": lambda: artifacts.load_keras_model(entry, name, copy),
                "saved_model": lambda: artifacts.load_saved_model(entry, "saved_model", copy),
                "tflite": lambda: artifacts.load_tflite(entry, name, copy)}[kind]
        with pytest.raises(PretrainedError, match="does not match its manifest and was not loaded"):
            load()
        target.write_bytes(original)
    elsewhere = copy.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (copy / entry / "saved_model" / "linked").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PretrainedError, match="holds files or links its manifest does not list.*saved_model/linked"):
        artifacts.load_saved_model(entry, "saved_model", copy)
    (copy / entry / "saved_model" / "linked").unlink()
    (copy / entry / "saved_model" / "assets").mkdir(exist_ok=True)
    (copy / entry / "saved_model" / "assets" / "extra.txt").write_text("not shipped")
    with pytest.raises(PretrainedError, match="holds files or links its manifest does not list.*assets/extra.txt"):
        artifacts.load_saved_model(entry, "saved_model", copy)
    (copy / entry / "bad.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(DataError, match="Cannot read .*bad.tflite as a TFLite model"):
        TFLiteModel(copy / entry / "bad.tflite")


def test_load_gives_each_shipped_format_and_they_agree():
    model = ganzoo.load("dcgan-digits")
    z = model.sample_latents(5, seed=2)
    expected = model.generate(5, seed=2)
    saved = ganzoo.load("dcgan-digits", format="saved_model")
    np.testing.assert_allclose(saved.signatures["generate"](z=z)["output_0"].numpy(), expected, atol=1e-6)
    lite = ganzoo.load("dcgan-digits", format="tflite")
    assert isinstance(lite, TFLiteModel) and lite.default == "generate"
    np.testing.assert_allclose(lite(z.numpy()), expected, atol=2e-3)
    with pytest.raises(PretrainedError, match=r"not model_int8.tflite. Make that file with `ganzoo export dcgan-digits "
                                              r"--format tflite --quantize int8 --out PATH` and open it from PATH "
                                              r"with ganzoo.lite.TFLiteModel\(PATH\)"):
        ganzoo.load("dcgan-digits", format="tflite", quantize="int8")
    for wrong in ({"format": "onnx"}, {"format": "tflite_int8"}, {"format": "tflite", "quantize": "int4"}):
        with pytest.raises(ConfigError, match="format must be keras, saved_model or tflite"):
            ganzoo.load("dcgan-digits", **wrong)


def test_an_entry_shipped_without_model_keras_loads_as_a_trainer_with_its_exported_networks(copy):
    entry = "pix2pix-edges2digits"
    assert entry in FROM_SAVED_MODEL and "17" in MANIFEST[entry]["left_out"]["model.keras"]
    model = ganzoo.load(entry)
    assert isinstance(model, ganzoo.trainers.Pix2Pix)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 1)).astype("float32")
    saved = ganzoo.load(entry, format="saved_model")
    np.testing.assert_allclose(model.translate(images), saved.signatures["translate"](images=images)["output_0"],
                               atol=1e-6)
    config = MANIFEST[entry]["config"]
    narrower = {**config, "model": {**config["model"], "generator": {**config["model"]["generator"], "width": 16}}}
    with pytest.raises(PretrainedError, match="saved_model does not match the networks of its config: generator_"):
        artifacts.restore_inference_networks(entry, ganzoo.zoo.build_from_config(narrower, compile=False),
                                             directory=copy)
    _flip_byte(copy / entry / "saved_model" / "saved_model.pb")
    with pytest.raises(PretrainedError, match="does not match its manifest and was not loaded"):
        artifacts.restore_inference_networks(entry, model, directory=copy)


def test_readme_table_and_setup_cfg_follow_the_manifest():
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_pretrained.py"), "--check"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    setup = (ROOT / "setup.cfg").read_text()
    for entry, described in MANIFEST.items():
        for name in described["files"]:
            assert f"    pretrained/{entry}/{name}\n" in setup, name


def test_a_built_wheel_carries_every_shipped_file(tmp_path):
    """A non-editable install gets pretrained/ from the wheel's data files: build one from a copy of
    the package and list it."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("ganzoo", "zoo_configs", "pretrained"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    offline = ["--no-build-isolation"] if importlib.util.find_spec("wheel") else []  # else pip fetches its tools
    completed = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *offline, "-w",
                                str(tmp_path), str(source)], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    wheel, = tmp_path.glob("ganzoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    prefix = f"ganzoo-{ganzoo.__version__}.data/data/share/ganzoo/pretrained"
    assert f"{prefix}/manifest.json" in names
    missing = [f"{entry}/{name}" for entry, described in MANIFEST.items() for name in described["files"]
               if f"{prefix}/{entry}/{name}" not in names]
    assert not missing, missing
