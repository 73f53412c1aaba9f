"""The one place that knows about `tf.distribute`: strategy choice, per-replica loss scaling, and
randomness that does not depend on the number of replicas.

Under a strategy each replica computes its loss on its share of the global batch and Keras sums the
replicas' gradients, so a replica's loss is divided by the number of replicas before differentiation;
reported losses stay unscaled.

Replica r holds rows [r * n, (r + 1) * n) of every global minibatch of R * n examples (the order
`arrange_for_replicas` gives a dataset of k minibatches per batch). Every random draw that is made per
example (latents, dropout masks, noise images, interpolation weights, style-mixing cut-offs) is drawn for
the whole global minibatch from a seed all replicas share, and each replica keeps its own rows
(`per_example`); what processes examples in order (CycleGAN's image pool) runs on the gathered global
minibatch (`all_examples`); statistics over the batch are reduced over replicas (`global_mean`). So one
device, two replicas and two workers given the same global batch train the same model.
"""

import contextlib
import json
import os

import tensorflow as tf

from ganzoo.errors import ConfigError

STRATEGIES = ("default", "mirrored", "multi_worker_mirrored", "tpu")


def num_replicas():
    """Number of replicas in the current strategy (1 outside any strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def scale_loss_for_replicas(loss):
    """The loss a replica differentiates so that summed gradients equal the global-batch gradient."""
    replicas = num_replicas()
    return loss if replicas == 1 else loss / tf.cast(replicas, loss.dtype)


def replica_id():
    """This replica's index as an int32 tensor (0 outside a strategy)."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def in_multi_worker_mode():
    """Whether the current strategy spans several worker processes (MultiWorkerMirrored with a cluster)."""
    strategy = tf.distribute.get_strategy()
    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def step_logs(logs):
    """The logs a training or test step returns: rank-1 (one value each) under a multi-worker strategy,
    whose `fit` reduces logs over their first axis (a scalar fails there), scalars otherwise."""
    if not in_multi_worker_mode():
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def per_example(draw, local_batch):
    """This replica's rows of a per-example random draw, the same whatever the number of replicas:
    `draw(n)` makes values for n examples (leading axis n) from a seed that every replica shares; under
    R replicas it is called once for the R * `local_batch` examples of the global minibatch."""
    replicas = num_replicas()
    if replicas == 1:
        return draw(local_batch)
    start = replica_id() * local_batch
    return draw(local_batch * replicas)[start:start + local_batch]


def all_examples(tensor):
    """The global minibatch that `tensor` (this replica's rows) is part of, in replica order."""
    if num_replicas() == 1:
        return tensor
    return tf.distribute.get_replica_context().all_gather(tensor, axis=0)


def this_replica_rows(tensor, local_batch):
    """This replica's `local_batch` rows of a global-minibatch tensor (the inverse of `all_examples`)."""
    if num_replicas() == 1:
        return tensor
    start = replica_id() * local_batch
    return tensor[start:start + local_batch]


def global_mean(value):
    """The mean of a per-replica statistic over replicas (equal shares: the global-batch statistic)."""
    if num_replicas() == 1:
        return value
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, value)


def synchronize_batch_norm(network, synchronized=True):
    """Sets every `BatchNormalization` layer of `network` to compute its statistics over the global
    minibatch (`synchronized=True`) or over each replica's share; saved with the layer's config."""
    import keras

    for layer in network._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = bool(synchronized)


def arrange_for_replicas(dataset, minibatches, replicas=None):
    """`dataset`'s batches of `minibatches` consecutive minibatches reordered so that, split into
    `replicas` (default: the current strategy's) contiguous shares as `tf.distribute` splits a batch,
    replica r's share holds rows [r * n, (r + 1) * n) of every minibatch of R * n: the trainer splits its
    share into minibatches and meets the same examples that one device would. Identity for one replica
    or one minibatch per batch."""
    replicas = num_replicas() if replicas is None else replicas
    if replicas == 1 or minibatches == 1:
        return dataset

    def reorder(tensor):
        shape = tf.shape(tensor)
        rest = shape[1:]
        grid = tf.reshape(tensor, tf.concat([[minibatches, replicas, shape[0] // (minibatches * replicas)], rest], 0))
        permutation = tf.concat([[1, 0, 2], tf.range(3, tf.rank(grid))], 0)
        return tf.reshape(tf.transpose(grid, permutation), shape)

    return dataset.map(lambda *parts: tf.nest.map_structure(reorder, parts if len(parts) > 1 else parts[0]),
                       num_parallel_calls=tf.data.AUTOTUNE)


def get_strategy(name="default", tpu_address=None):
    """The `tf.distribute` strategy called `name` (one of STRATEGIES): "default" is the current one
    (a scope the caller entered, else one device); the others are made once per process and reused
    (TensorFlow allows one multi-worker strategy per process). A strategy that cannot start raises
    `ConfigError` in one line."""
    if name not in STRATEGIES:
        raise ConfigError(f"Unknown distribution strategy. Expected one of {STRATEGIES}. Received: strategy={name!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    key = (name, tpu_address if name == "tpu" else None)
    if key not in _MADE:
        _MADE[key] = _make_strategy(name, tpu_address)
    return _MADE[key]


_MADE = {}


def _make_strategy(name, tpu_address):
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker_mirrored":
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except (RuntimeError, ValueError) as error:
            raise ConfigError(f"Cannot start multi_worker_mirrored with TF_CONFIG={os.environ.get('TF_CONFIG')!r}: "
                              f"{_first_line(error)} (the strategy must be made before any other TensorFlow "
                              f"operation of the process, and TF_CONFIG must describe the cluster)") from None
    where = tpu_address or "the default address"
    if tpu_address and tpu_address.startswith("grpc://"):  # TensorFlow would wait on it for minutes
        from ganzoo.data.sources import network_reachable

        host, _, port = tpu_address.removeprefix("grpc://").rpartition(":")
        if not (host and port.isdigit() and network_reachable((host, int(port)))):
            raise ConfigError(f"No TPU is reachable at {tpu_address}: no connection within 3 s (give the TPU's "
                              f"name or grpc://HOST:PORT address with --tpu / training.tpu_address)")
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, OSError, tf.errors.OpError) as error:
        raise ConfigError(f"No TPU is reachable at {where}: {_first_line(error)} (give its name or grpc:// "
                          f"address with --tpu / training.tpu_address)") from None
    return tf.distribute.TPUStrategy(resolver)


def _first_line(error):
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)[:300]


def strategy_for(training_config):
    """The strategy a config's training section asks for (`distribution`, `tpu_address`)."""
    return get_strategy(training_config.get("distribution", "default"), training_config.get("tpu_address"))


def check_compile_options(jit_compile, steps_per_execution):
    """Refuses, in one line, XLA or several steps per execution under a strategy of several CPU
    replicas: TensorFlow 2.21 fails to run either there (MirroredStrategy on CPU devices, even for a
    plain Sequential model). One device, GPUs and TPUs take both."""
    if num_replicas() == 1 or tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU"):
        return
    asked = [text for text, on in (("jit_compile=True", jit_compile is True),
                                   (f"steps_per_execution={steps_per_execution}", steps_per_execution != 1)) if on]
    if asked:
        raise ConfigError(f"TensorFlow cannot run XLA or several steps per execution under a strategy of "
                          f"{num_replicas()} CPU replicas; train with training.jit_compile=false and "
                          f"training.steps_per_execution=1 there (GPUs and TPUs take both). Received: {', '.join(asked)}")


def scope(strategy):
    """`strategy.scope()`, or nothing to enter when `strategy` is already the current one (the default
    strategy, or one whose scope the caller entered). Entering the default strategy's scope around a
    build was seen to change the last bits of the loss trackers' sums of a resumed CycleGAN run (not
    its weights), so one device stays exactly as it was without a scope."""
    return contextlib.nullcontext() if strategy is tf.distribute.get_strategy() else strategy.scope()


def barrier():
    """Waits until every worker of a multi-worker strategy gets here (a no-op otherwise)."""
    if in_multi_worker_mode():
        strategy = tf.distribute.get_strategy()
        strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(lambda: tf.constant(1.0)), axis=None)


def describe_batch(minibatch, minibatches_per_step=1):
    """One line for the run log: replicas, and the global and per-replica minibatch."""
    replicas = num_replicas()
    workers = tf.distribute.get_strategy().extended._num_workers if in_multi_worker_mode() else 1
    where = f"{replicas} replicas" + (f" on {workers} workers" if workers > 1 else "")
    steps = f", {minibatches_per_step} minibatches per step" if minibatches_per_step > 1 else ""
    return (f"training on {where} ({type(tf.distribute.get_strategy()).__name__}): global minibatch {minibatch}, "
            f"{minibatch // replicas} per replica{steps}")


def is_chief():
    """Whether this process writes shared files (backups, logs): the chief of a multi-worker cluster
    (TF_CONFIG's task "chief", or worker 0 when the cluster has no chief), or any single process."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task, cluster = config.get("task") or {}, config.get("cluster") or {}
    if not task:
        return True
    if "chief" in cluster:
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0
