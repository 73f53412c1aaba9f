"""Export of a trained game for deployment: what it does at inference, as named signatures, in a
SavedModel (TF Serving), a TFLite file (mobile, embedded) or a `.keras` file (fine-tuning).

Only the networks a game exposes are exported (generator, translators, encoder; the EMA copy when the
model keeps one), never the trainer with its discriminator. Each of the trainer's
`inference_signatures()` becomes an endpoint of the same name (`generate`, `encode`, `translate`,
`a_to_b` / `b_to_a`, StyleGAN2's `mapping` / `synthesis`), plus `generate_uint8` for image
generators; the first is also TF Serving's `serving_default`. Inputs keep their names (z, labels, x,
images, ws, psi) and shapes, so a wrong input shape is refused by the signature itself. TFLite is
converted with builtin ops only: a network that would need TensorFlow (Flex) ops fails here, not on a
phone.
"""

import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.lite.python.convert_phase import ConverterError

from ganzoo.errors import ExportError
from ganzoo.inference import check_truncation
from ganzoo.outputs import check_output
from ganzoo.run_folder import load_run, write_atomically

FORMATS = ("saved_model", "tflite", "keras")
QUANTIZATIONS = ("none", "float16", "int8")
#: what the TFLite converter is told for each quantisation: (optimisations, supported types)
_TFLITE_QUANTIZATION = {"none": ([], []), "float16": ([tf.lite.Optimize.DEFAULT], [tf.float16]),
                        "int8": ([tf.lite.Optimize.DEFAULT], [])}


def to_uint8(images):
    """[-1, 1] images -> uint8 [0, 255] (rounded; out-of-range values clipped), in TensorFlow ops."""
    return tf.cast(tf.round((tf.clip_by_value(images, -1.0, 1.0) + 1.0) * 127.5), tf.uint8)


def endpoints(model, *, truncation=None, batch_size=None):
    """{name: (function, input specs)} that export writes for `model`: its inference signatures, with
    `generate_uint8` beside an image `generate`. `truncation` fixes StyleGAN2's psi (the signatures
    then have no psi input); `batch_size` fixes the batch dimension (GPU and NNAPI delegates want
    static shapes)."""
    check_truncation(model, truncation)
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
        raise ExportError(f"--batch-size must be a positive integer. Received: {batch_size!r}")
    result = {}
    for name, signature in model.inference_signatures().items():
        function, specs = model.inference_function(name), list(signature.inputs)
        if truncation is not None and specs and specs[-1].name == "psi":
            function = _bound_psi(function, truncation)
            specs = specs[:-1]
        if batch_size is not None:
            specs = [tf.TensorSpec((batch_size, *spec.shape[1:]), spec.dtype, spec.name) if spec.shape.rank else spec
                     for spec in specs]
        result[name] = (function, specs)
        if name == "generate" and len(getattr(model, "sample_shape", ())) == 3:
            result["generate_uint8"] = (_as_uint8(function), specs)
    return result


def example_inputs(specs, *, batch=1, num_classes=None, seed=0, side=13):
    """{name: numpy array} that fit signature `specs`: latents and ws from N(0, 1), labels 0, 1, ...
    (mod `num_classes`), psi 0.7, images in [-1, 1] of `side` where their size is free."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for spec in specs:
        shape = [batch if size is None and axis == 0 else side if size is None else size
                 for axis, size in enumerate(spec.shape)]
        if spec.name == "labels":
            inputs[spec.name] = (np.arange(shape[0]) % (num_classes or 1)).astype(np.int32)
        elif spec.name == "psi":
            inputs[spec.name] = np.float32(0.7)
        elif spec.name in ("z", "ws"):
            inputs[spec.name] = rng.normal(0.0, 1.0, shape).astype(np.float32)
        else:
            inputs[spec.name] = rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    return inputs


def _as_uint8(function):
    return lambda *inputs: to_uint8(function(*inputs))


def _bound_psi(function, psi):
    return lambda *inputs: function(*inputs, tf.constant(psi, tf.float32))


def export(model, out, *, format="saved_model", quantize="none", truncation=None, batch_size=None,
           mode="deterministic", overwrite=False):
    """Writes `model` (a trainer, a run folder, a `.keras` file or a zoo entry name) to `out` in
    `format` ("saved_model": a folder; "tflite": a `.tflite` file, or `model.tflite` in a folder;
    "keras": the whole trainer, for fine-tuning). `quantize` (TFLite: "float16" halves the file,
    "int8" dynamic-range quantisation about quarters it). Returns the path written. The output
    appears whole or not at all; an existing one is replaced only with `overwrite`."""
    if format not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}. Received: {format!r}")
    if quantize not in QUANTIZATIONS:
        raise ExportError(f"--quantize must be one of {', '.join(QUANTIZATIONS)}. Received: {quantize!r}")
    if quantize != "none" and format != "tflite":
        raise ExportError(f"--quantize applies to --format tflite. Received: --quantize {quantize} with {format}")
    if mode != "deterministic":
        raise ExportError(f"Export runs the deterministic inference mode only: mode {mode!r} (dropout on, batch "
                          f"statistics) draws random numbers TFLite's builtin ops cannot draw and would update the "
                          f"exported batch-norm averages on every call. Received: --mode {mode}")
    out = check_output(_output_path(Path(out).resolve(), format), folder=format == "saved_model")
    model = model if isinstance(model, keras.Model) else load_run(model)
    empty_folder = out.is_dir() and not any(out.iterdir())
    if out.exists() and not empty_folder and not overwrite:
        raise ExportError(f"{out} exists; pass --overwrite to replace it. Received: --out {out}")
    if out.is_dir() and not empty_folder and not (out / "saved_model.pb").is_file():  # not export's own output
        raise ExportError(f"{out} is a folder that holds no SavedModel, and export replaces only its own output. "
                          f"Received: --out {out}")
    if format == "keras":
        if truncation is not None or batch_size is not None:
            raise ExportError("--truncation and --batch-size shape exported signatures; a .keras file holds the "
                              "whole trainer. Received: one of them with --format keras")
        _write_replacing(out, lambda partial: model.save(partial))
        return out
    functions = endpoints(model, truncation=truncation, batch_size=batch_size)
    if format == "saved_model":
        _write_replacing(out, lambda partial: write_saved_model(model, functions, partial))
    else:
        _write_replacing(out, lambda partial: partial.write_bytes(tflite_bytes(model, functions, quantize)))
    return out


def _output_path(out, format):
    if format == "tflite" and out.suffix != ".tflite":
        return out / "model.tflite"
    if format == "keras" and out.suffix != ".keras":
        return out / "model.keras"
    return out


def _write_replacing(out, write):
    """`run_folder.write_atomically`: a failed or interrupted export leaves the previous output (or
    none), never half of one; a path that cannot be written is one line."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, write)
    except OSError as error:
        raise ExportError(f"Cannot write {out}: {error.strerror or error}. Received: --out {out}") from None


def write_saved_model(model, functions, path, check_shapes=True):
    """A SavedModel at `path` with one signature per endpoint (the first is also `serving_default`),
    loadable with `tf.saved_model.load` where ganzoo is not installed. A signature's concrete function
    does not compare its inputs' shapes with its spec by itself; `check_shapes` adds one `EnsureShape`
    per input, so that a wrong shape is refused by name (TFLite has no such op: its files are
    converted without them, and `lite.TFLiteSignature` checks instead). The archive holds the
    variables the endpoints capture (those of `model.inference_networks`), once: `ExportArchive.track` of the
    networks as well would store every weight a second time (Keras 3.15), doubling the file."""
    archive = keras.export.ExportArchive()
    for name, (function, specs) in functions.items():
        archive.add_endpoint(name, _shape_checked(function, specs) if check_shapes else function, input_signature=specs)
    archive.write_out(str(path), verbose=False)


def _shape_checked(function, specs):
    return lambda *inputs: function(*[tf.ensure_shape(x, spec.shape) for x, spec in zip(inputs, specs)])


def tflite_bytes(model, functions, quantize="none"):
    """The TFLite flatbuffer with one signature per endpoint, builtin ops only."""
    with tempfile.TemporaryDirectory(prefix="ganzoo-export-") as folder:
        write_saved_model(model, functions, folder, check_shapes=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=list(functions))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        converter.optimizations, converter.target_spec.supported_types = _TFLITE_QUANTIZATION[quantize]
        try:
            return converter.convert()
        except ConverterError as error:  # it names the ops that have no builtin kernel
            raise ExportError(f"{type(model).__name__} cannot be converted to TFLite with builtin ops only: "
                              f"{_first_lines(error)}") from None


def _first_lines(error, count=3):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line.lower()]
    return " | ".join((errors or lines)[:count]) or type(error).__name__
