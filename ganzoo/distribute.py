"""The one place that knows about `tf.distribute`: strategy choice, per-replica loss scaling, and
per-replica randomness.

Under a strategy each replica computes its loss on its share of the global batch and Keras sums the
replicas' gradients, so a replica's loss is divided by the number of replicas before differentiation;
reported losses stay unscaled.
"""

import json
import os

import tensorflow as tf

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


def get_strategy(name="default", tpu_address=None):
    """Returns the `tf.distribute` strategy called `name` (one of STRATEGIES)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker_mirrored":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown distribution strategy. Expected one of {STRATEGIES}. Received: strategy={name!r}")


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
