"""Running an exported TFLite file from Python: a callable per signature, with the inputs checked
against the signature's shapes and dtypes before the interpreter sees them.

The interpreter is `ai-edge-litert`'s (the maintained LiteRT package: `pip install ganzoo[litert]`),
else TensorFlow's own `tf.lite.Interpreter`; both give identical results.
"""

import numpy as np

from ganzoo.errors import DataError


def interpreter_class():
    """LiteRT's `Interpreter` when `ai-edge-litert` is installed, else `tf.lite.Interpreter`."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # the optional extra is absent: TensorFlow's deprecated copy runs the same files
        import tensorflow as tf
        Interpreter = tf.lite.Interpreter
    return Interpreter


class TFLiteSignature:
    """One signature of a TFLite file: `signature(array)` for a single input, else
    `signature(z=..., labels=...)` by name (a TFLite file does not keep the order in which the exporting
    function declared its inputs); returns its single output as a numpy array."""

    def __init__(self, interpreter, name):
        self.name = name
        self._runner = interpreter.get_signature_runner(name)
        details = self._runner.get_input_details()
        self.input_names = sorted(details)
        self.input_specs = {key: (tuple(int(d) for d in details[key]["shape_signature"]), details[key]["dtype"])
                            for key in details}

    def _checked(self, key, value):
        shape, dtype = self.input_specs[key]
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.integer if np.issubdtype(dtype, np.integer) else np.number):
            array = array.astype(dtype)  # numbers to float inputs, integers to integer inputs
        expected = "(" + ", ".join("any" if d == -1 else str(d) for d in shape) + ")"
        fits = array.ndim == len(shape) and all(d == -1 or d == a for d, a in zip(shape, array.shape))
        if array.dtype != dtype or not fits:
            raise DataError(f"{self.name}: input {key!r} must be {np.dtype(dtype).name} of shape {expected}. "
                            f"Received: {array.dtype.name} of shape {array.shape}")
        return array

    def __call__(self, *args, **kwargs):
        if args and (kwargs or len(args) > 1 or len(self.input_names) > 1):
            raise DataError(f"{self.name} takes its inputs {self.input_names} by name (one input may be given by "
                            f"position). Received: {len(args)} positional and {sorted(kwargs)} by name")
        inputs = dict(zip(self.input_names, args)) if args else kwargs
        if sorted(inputs) != sorted(self.input_names):
            raise DataError(f"{self.name} takes inputs {self.input_names}. Received: {sorted(inputs)}")
        outputs = self._runner(**{key: self._checked(key, value) for key, value in inputs.items()})
        return next(iter(outputs.values())) if len(outputs) == 1 else outputs


#: what calling a TFLiteModel runs: the first of these the file has (else its first signature)
DEFAULT_SIGNATURES = ("generate", "translate", "a_to_b")


class TFLiteModel:
    """A TFLite file's signatures by name (`model.signatures["b_to_a"]`); calling the model runs
    `generate`, `translate` or `a_to_b`, whichever the file has. Give the file's `path`, or its
    `content` (bytes already read and checked) with a `name` for messages; `num_threads` for the
    interpreter (default: its own choice)."""

    def __init__(self, path=None, *, content=None, name=None, num_threads=None):
        if (path is None) == (content is None):
            raise ValueError("TFLiteModel takes a path or content: exactly one of them")
        self.name = str(path if name is None else name)
        source = {"model_path": str(path)} if content is None else {"model_content": bytes(content)}
        try:
            self._interpreter = interpreter_class()(**source, num_threads=num_threads)
        except (ValueError, RuntimeError) as error:  # missing file, or bytes that are not a TFLite model
            raise DataError(f"Cannot read {self.name} as a TFLite model: {str(error).splitlines()[0]}") from None
        names = list(self._interpreter.get_signature_list())
        if not names:
            raise DataError(f"{self.name} has no signatures; export it with `ganzoo export --format tflite`")
        self.signatures = {key: TFLiteSignature(self._interpreter, key) for key in names}
        self.default = next((key for key in DEFAULT_SIGNATURES if key in self.signatures), names[0])

    def __call__(self, *args, **kwargs):
        return self.signatures[self.default](*args, **kwargs)

    def __repr__(self):
        return f"TFLiteModel({self.name!r}, signatures={list(self.signatures)})"
