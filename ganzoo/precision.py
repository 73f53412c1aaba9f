"""Mixed precision: networks built under a Keras dtype policy, with float32 variables and outputs.

`training.precision` names the policy: "float32", "mixed_bfloat16" (bfloat16 computation; no loss
scaling needed) or "mixed_float16" (float16 computation; the trainer then wraps each player's
optimiser in `keras.optimizers.LossScaleOptimizer` and scales every phase's loss, so that small
gradients do not underflow to zero). Variables stay float32 under every policy, and so do the outputs
of every network built from a config, so that losses, penalties and the tensors they compare are
computed in float32.
"""

import contextlib

import keras

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@contextlib.contextmanager
def dtype_policy(name):
    """Builds layers under the dtype policy `name` (one of PRECISIONS), restoring the global one after."""
    if name not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}. Received: precision={name!r}")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def with_float32_outputs(network):
    """`network` itself when its outputs are float32; otherwise the same layers followed by a float32
    linear activation per output (Keras' recipe for the last layer under mixed precision)."""
    if all(output.dtype == "float32" for output in network.outputs):
        return network
    outputs = [keras.layers.Activation("linear", dtype="float32", name=f"{network.name}_float32_output_{i}")(output)
               for i, output in enumerate(network.outputs)]
    return keras.Model(network.inputs, outputs[0] if len(outputs) == 1 else outputs, name=network.name)


def check_float32_outputs(name, network):
    """Refuses a network whose outputs are not float32 (losses are computed in float32)."""
    dtypes = [str(output.dtype) for output in network.outputs]
    if any(dtype != "float32" for dtype in dtypes):
        raise ValueError(f"The {name}'s outputs must be float32 (end it with a float32 layer, or build it with "
                         f"ganzoo.precision.with_float32_outputs). Received: outputs of dtype {dtypes}")
