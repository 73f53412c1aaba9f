"""Export for deployment: every game's signatures in a SavedModel and in TFLite agree with the Keras
networks, quantised files are smaller and still close, wrong inputs and impossible exports are
refused in one line, and a SavedModel runs where ganzoo cannot be imported."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import deploy
from ganzoo.errors import DataError, ExportError
from ganzoo.lite import TFLiteModel
from ganzoo.zoo.registry import build_from_config
from tests.trainers.test_mixed_precision import GAME_ENTRIES
from tests.zoo.test_registry import _tiny_config

GAMES = {**GAME_ENTRIES, "stylegan2": "stylegan2-digits", "conditional_stylegan2": "stylegan2-cond-digits"}
#: float32 TFLite against Keras; quantised: the largest error as a fraction of the output range [-1, 1]
TFLITE_FLOAT32 = 1e-5
QUANTIZED = {"float16": 1e-3, "int8": 2e-2}
#: StyleGAN2 measured 1.1e-3 (float16) and 5.1e-2 (int8) of the range on the shipped generator: every
#: modulated convolution rescales by 1 / ||style * weight||, so a weight's rounding reaches all of its
#: outputs, in each of the 9 styled layers, and dynamic-range int8 also quantises the activations
#: entering each convolution.
QUANTIZED_STYLEGAN2 = {"float16": 1.5e-3, "int8": 7.5e-2}
#: file size over the float32 file's. StyleGAN2 measured 0.60 and 0.59: its weights also feed the
#: demodulation (squares and sums, which have no int8 kernels) and the converter keeps float copies of them.
SIZE_RATIOS = {"dcgan-digits": {"float16": 0.55, "int8": 0.35}, "stylegan2-digits": {"float16": 0.65, "int8": 0.65}}


def _tiny_model(game):
    return build_from_config(_tiny_config(GAMES[game]), compile=False)


def keras_outputs(model, functions):
    """{signature: (inputs, output)} computed by the trainer's own inference functions."""
    results = {}
    for name, (function, specs) in functions.items():
        inputs = deploy.example_inputs(specs, batch=3, num_classes=getattr(model, "num_classes", None))
        results[name] = (inputs, np.asarray(tf.function(function)(*[tf.constant(inputs[s.name]) for s in specs])))
    return results


class Exported(dict):
    """{game: (model, reference outputs, SavedModel path, float32 TFLite path)}, exported on first use."""

    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def __missing__(self, game):
        model = _tiny_model(game)
        reference = keras_outputs(model, deploy.endpoints(model))
        saved = deploy.export(model, self.folder / game, format="saved_model")
        lite = deploy.export(model, self.folder / f"{game}.tflite", format="tflite")
        self[game] = (model, reference, saved, lite)
        return self[game]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return Exported(tmp_path_factory.mktemp("exported"))


#: game types whose export path another fast case already takes (WGAN-GP's generator is DCGAN's; the
#: conditional StyleGAN2 adds labels to StyleGAN2's signatures, as cgan does to dcgan's)
SLOW_GAMES = ("wgan_gp", "conditional_stylegan2")


@pytest.mark.parametrize("game", [pytest.param(game, marks=pytest.mark.slow) if game in SLOW_GAMES else game
                                  for game in sorted(GAMES)])
def test_saved_model_and_tflite_compute_what_the_keras_networks_do(game, exported):
    model, reference, saved_path, lite_path = exported[game]
    signatures = model.inference_signatures()
    image_generator = "generate" in signatures and len(model.sample_shape) == 3
    expected_names = set(signatures) | ({"generate_uint8"} if image_generator else set())
    assert set(reference) == expected_names
    saved = tf.saved_model.load(str(saved_path))
    assert set(saved.signatures) == expected_names | {"serving_default"}
    lite = TFLiteModel(lite_path)
    assert set(lite.signatures) == expected_names
    for name, (inputs, output) in reference.items():
        from_saved = next(iter(saved.signatures[name](**{k: tf.constant(v) for k, v in inputs.items()}).values()))
        np.testing.assert_allclose(from_saved.numpy(), output, rtol=0, atol=1e-6, err_msg=name)
        from_lite = lite.signatures[name](**inputs)
        assert from_lite.dtype == output.dtype and from_lite.shape == output.shape, name
        tolerance = 1 if output.dtype == np.uint8 else TFLITE_FLOAT32  # one grey level where rounding ties
        np.testing.assert_allclose(from_lite.astype(np.float64), output, rtol=0, atol=tolerance, err_msg=name)
    first = next(iter(signatures))
    inputs, output = reference[first]
    serving = saved.signatures["serving_default"](**{k: tf.constant(v) for k, v in inputs.items()})
    np.testing.assert_allclose(next(iter(serving.values())).numpy(), output, rtol=0, atol=1e-6)
    assert lite.default == first and np.allclose(lite(**inputs), output, atol=TFLITE_FLOAT32)
    weight_bytes = sum(weight.numpy().nbytes for name in model.inference_networks
                       for weight in model.inference_network(name).weights)
    stored = sum(path.stat().st_size for path in (saved_path / "variables").glob("variables.data-*"))
    assert stored <= 1.05 * weight_bytes + 4096, (stored, weight_bytes)  # each weight stored once


@pytest.mark.parametrize("entry", ["dcgan-digits", pytest.param("stylegan2-digits", marks=pytest.mark.slow)])
def test_quantized_tflite_is_smaller_and_stays_close(entry, tmp_path):
    """On shipped generators (the converter leaves tensors of tiny networks unquantised)."""
    model = ganzoo.load(entry)
    functions = deploy.endpoints(model)
    inputs, output = keras_outputs(model, {"generate": functions["generate"]})["generate"]
    sizes, errors = {}, {}
    for quantize in ("none", *QUANTIZED):
        path = deploy.export(model, tmp_path / f"{quantize}.tflite", format="tflite", quantize=quantize)
        sizes[quantize] = path.stat().st_size
        errors[quantize] = float(np.abs(TFLiteModel(path).signatures["generate"](**inputs) - output).max())
    assert errors["none"] <= TFLITE_FLOAT32, errors
    for quantize, bound in (QUANTIZED_STYLEGAN2 if entry.startswith("stylegan2") else QUANTIZED).items():
        assert errors[quantize] <= bound * 2.0, errors  # outputs span [-1, 1]
    assert all(sizes[quantize] < ratio * sizes["none"] for quantize, ratio in SIZE_RATIOS[entry].items()), sizes


def test_stylegan2_signatures_truncate_and_compose(exported, tmp_path):
    model, reference, saved_path, _ = exported["stylegan2"]
    saved = tf.saved_model.load(str(saved_path))
    z = model.sample_latents(4, seed=3)
    for psi in (1.0, 0.7, 0.0):
        images = saved.signatures["generate"](z=z, psi=tf.constant(psi))["output_0"].numpy()
        np.testing.assert_allclose(images, model.generate(4, seed=3, truncation=psi), atol=2e-5)
        w = saved.signatures["mapping"](z=z, psi=tf.constant(psi))["output_0"]
        ws = tf.repeat(w[:, None], model.num_ws, axis=1)
        np.testing.assert_allclose(saved.signatures["synthesis"](ws=ws)["output_0"].numpy(), images, atol=1e-6)
    mean_images = saved.signatures["generate"](z=z, psi=tf.constant(0.0))["output_0"].numpy()
    assert np.abs(mean_images - mean_images[:1]).max() < 1e-5  # psi 0: every z gives the mean image
    fixed = tf.saved_model.load(str(deploy.export(model, tmp_path / "psi", truncation=0.7, batch_size=4)))
    spec = fixed.signatures["generate"].structured_input_signature[1]
    assert list(spec) == ["z"] and spec["z"].shape.as_list() == [4, model.latent_dim]
    np.testing.assert_allclose(fixed.signatures["generate"](z=z)["output_0"].numpy(),
                               model.generate(4, seed=3, truncation=0.7), atol=2e-5)


def test_exported_translators_take_images_smaller_than_their_padding(exported):
    model, _, saved_path, lite_path = exported["pix2pix"]
    small = np.random.default_rng(1).uniform(-1, 1, (2, 3, 5, model.source_shape[-1])).astype(np.float32)
    expected = model.translate(small)
    saved = tf.saved_model.load(str(saved_path))
    np.testing.assert_allclose(saved.signatures["translate"](images=small)["output_0"].numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(TFLiteModel(lite_path)(small), expected, atol=TFLITE_FLOAT32)


def test_uint8_variant_is_the_rounded_image(exported):
    _, reference, _, _ = exported["dcgan"]
    inputs, images = reference["generate"]
    uint8_inputs, uint8_images = reference["generate_uint8"]
    np.testing.assert_array_equal(inputs["z"], uint8_inputs["z"])
    np.testing.assert_array_equal(uint8_images, np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8))


def test_wrong_input_shapes_are_refused_by_the_signatures(exported):
    model, _, saved_path, lite_path = exported["cgan"]
    saved = tf.saved_model.load(str(saved_path))
    wrong = tf.zeros((2, model.latent_dim + 1))
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"\[2,{model.latent_dim + 1}\] is not compatible "
                                                            rf"with expected shape \[\?,{model.latent_dim}\]"):
        saved.signatures["generate"](z=wrong, labels=tf.zeros((2,), tf.int32))
    with pytest.raises(TypeError, match="Can not cast"):  # the restored function refuses it too
        saved.generate(wrong, tf.zeros((2,), tf.int32))
    lite = TFLiteModel(lite_path)
    with pytest.raises(DataError, match=rf"input 'z' must be float32 of shape \(any, {model.latent_dim}\). "
                                        rf"Received: float32 of shape \(2, {model.latent_dim + 1}\)"):
        lite(z=wrong.numpy(), labels=np.zeros(2, np.int32))
    with pytest.raises(DataError, match=r"takes inputs \['labels', 'z'\]. Received: \['z'\]"):
        lite(z=np.zeros((2, model.latent_dim), np.float32))
    with pytest.raises(DataError, match="by name"):  # the file does not keep the declared order
        lite(np.zeros((2, model.latent_dim), np.float32), np.zeros(2, np.int32))


def test_a_saved_model_runs_where_ganzoo_cannot_be_imported(exported, tmp_path):
    model, reference, saved_path, _ = exported["stylegan2"]  # custom layers throughout
    inputs, output = reference["generate"]
    np.savez(tmp_path / "inputs.npz", **inputs)
    script = (
        "import sys; sys.modules['ganzoo'] = None\n"  # any `import ganzoo` now fails
        "import numpy as np, tensorflow as tf\n"
        f"loaded = tf.saved_model.load({str(saved_path)!r})\n"
        f"inputs = dict(np.load({str(tmp_path / 'inputs.npz')!r}))\n"
        "out = loaded.signatures['generate'](**{k: tf.constant(v) for k, v in inputs.items()})['output_0']\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, out.numpy())\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                               env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
                                    "CUDA_VISIBLE_DEVICES": ""}, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), output, rtol=0, atol=1e-6)


def test_keras_format_is_the_whole_trainer(exported, tmp_path):
    model = exported["dcgan"][0]
    path = deploy.export(model, tmp_path, format="keras")
    assert path.name == "model.keras"
    np.testing.assert_allclose(ganzoo.run_folder.load_run(path).generate(3, seed=1), model.generate(3, seed=1),
                               atol=1e-6)


def test_impossible_exports_are_refused_in_one_line(exported, tmp_path):
    model = exported["dcgan"][0]
    with pytest.raises(ExportError, match="--format must be one of saved_model, tflite, keras. Received: 'onnx'"):
        deploy.export(model, tmp_path / "x", format="onnx")
    with pytest.raises(ExportError, match="--quantize applies to --format tflite"):
        deploy.export(model, tmp_path / "x", format="saved_model", quantize="int8")
    with pytest.raises(ExportError, match="deterministic inference mode only.*Received: --mode paper"):
        deploy.export(exported["pix2pix"][0], tmp_path / "x.tflite", format="tflite", mode="paper")
    with pytest.raises(ganzoo.GanzooError, match="--truncation applies to StyleGAN2 models"):
        deploy.export(model, tmp_path / "x", truncation=0.5)
    with pytest.raises(ExportError, match="--batch-size must be a positive integer. Received: 0"):
        deploy.export(model, tmp_path / "x", batch_size=0)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "saved_model.pb").write_bytes(b"an earlier export")
    with pytest.raises(ExportError, match="exists; pass --overwrite"):
        deploy.export(model, tmp_path / "taken", format="saved_model")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ganzoo.GanzooError, match=r"Cannot write --out .*file/x\.tflite: .*file is a file, not a folder"):
        deploy.export(model, tmp_path / "file" / "x.tflite", format="tflite")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("a user's folder")
    with pytest.raises(ExportError, match="holds no SavedModel, and export replaces only its own output"):
        deploy.export(model, tmp_path / "mine", format="saved_model", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine", "taken"]  # nothing half-written left
    (tmp_path / "empty").mkdir()  # a folder made ahead for the export is simply used
    assert (deploy.export(model, tmp_path / "empty", format="saved_model") / "saved_model.pb").is_file()


def test_a_failed_export_leaves_the_previous_output_whole(exported, tmp_path, monkeypatch):
    model = exported["dcgan"][0]
    first = deploy.export(model, tmp_path / "saved")
    before = {path.relative_to(first): path.read_bytes() for path in first.rglob("*") if path.is_file()}

    def interrupted(model, functions, path, check_shapes=True):
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"half of a graph")
        raise RuntimeError("interrupted while writing")

    monkeypatch.setattr(deploy, "write_saved_model", interrupted)
    with pytest.raises(RuntimeError, match="interrupted while writing"):
        deploy.export(model, tmp_path / "saved", overwrite=True)
    assert {path.relative_to(first): path.read_bytes() for path in first.rglob("*") if path.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]


def test_a_network_that_needs_tensorflow_ops_fails_at_export_not_on_the_phone(exported):
    model = exported["dcgan"][0]
    functions = {"generate": (lambda z: tf.linalg.svd(tf.reshape(z, [-1, 2, model.latent_dim // 2]),
                                                      compute_uv=False),
                              [tf.TensorSpec((None, model.latent_dim), tf.float32, "z")])}
    with pytest.raises(ExportError, match="cannot be converted to TFLite with builtin ops only"):
        deploy.tflite_bytes(model, functions)


def test_cli_exports_a_shipped_entry(tmp_path):
    out = tmp_path / "dcgan.tflite"
    completed = subprocess.run([sys.executable, "-m", "ganzoo.cli", "export", "dcgan-digits", "--format", "tflite",
                                "--quantize", "float16", "--out", str(out)], capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert f"Exported dcgan-digits as tflite to {out}" in completed.stdout
    model = ganzoo.load("dcgan-digits")
    z = model.sample_latents(4, seed=0).numpy()
    expected = model.generate(4, seed=0)
    np.testing.assert_allclose(TFLiteModel(out)(z=z), expected, atol=2e-3)
    failed = subprocess.run([sys.executable, "-m", "ganzoo.cli", "export", "dcgan-digits", "--format", "tflite",
                             "--out", str(out)], capture_output=True, text=True, timeout=300)
    message = failed.stderr.strip().splitlines()[-1]  # (TensorFlow's own start-up log lines may precede it)
    assert failed.returncode == 2 and message.startswith("ganzoo: error: ") and "pass --overwrite" in message
