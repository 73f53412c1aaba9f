"""The two-player update, written once for every variant.

A variant is a `keras.Model` whose `train_step` is inherited from `AdversarialTrainer`. It declares its
*players*: each one a name, the networks whose trainable variables it updates, the objective it
minimises and how many updates it makes per training step (Goodfellow et al. 2014, Algorithm 1: k
discriminator steps per generator step). The base class owns the gradient tapes, one optimiser per
player, per-replica loss scaling, loss trackers and the model's random seed stream; variants write
objectives, never loops.

Batches: with k = max(player steps) the dataset batch holds k * m examples and is split into k
minibatches of m, so that each of the k discriminator updates sees a fresh real minibatch (as the
algorithm samples new x in every inner step); repeat i of any player uses minibatch i. A remainder that
does not divide by k is dropped. `real_batch_size(m)` tells a data pipeline what to ask for.
"""

from typing import Callable, NamedTuple, Sequence

import keras
import tensorflow as tf

from ganzoo import distribute


_SEED_STATE_KEY = "seed_generator_state"


class Player(NamedTuple):
    """One side of the game.

    name: also the optimiser's key in `compile(optimizers=...)`.
    networks: the models whose trainable variables this player updates.
    objective: `objective(real_batch) -> (loss, logs)`; the player minimises `loss`; `logs` maps
        metric names to scalars to report (each one must be in the trainer's `metric_names`).
    steps: updates per training step.
    """

    name: str
    networks: Sequence[keras.Model]
    objective: Callable
    steps: int = 1


class AdversarialTrainer(keras.Model):
    """Base class: subclasses implement `players()` and list their reported `metric_names`."""

    #: Names of the scalars the objectives report; one running mean is kept for each.
    metric_names: Sequence[str] = ()

    #: What one training example holds. One part: objectives receive a batch of samples. Two parts,
    #: e.g. ("samples", "labels") for class-conditional games, ("inputs", "targets") for paired and
    #: ("domain_a", "domain_b") for unpaired translation: objectives receive (first, second) batches,
    #: which the dataset yields as Keras' (x, y).
    example_parts = ("samples",)

    @property
    def conditional(self):
        """Whether the second part of an example is a class label (class-conditional games)."""
        return tuple(self.example_parts) == ("samples", "labels")

    def __init__(self, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}

    def add_tracker(self, name):
        """Reports one more scalar (for metrics that depend on constructor options)."""
        self.trackers[name] = keras.metrics.Mean(name=name)

    # -- what a variant provides ------------------------------------------------------------------

    def players(self):
        """The players, in the order they move within one training step."""
        raise TypeError(f"{type(self).__name__} must define players(), the list of its players")

    def default_optimizer(self, player_name):
        """The optimiser a player gets when `compile` is not given one: Adam(2e-4, beta_1=0.5), the
        DCGAN paper's setting (Radford et al. 2016, section 4)."""
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)

    # -- compile ----------------------------------------------------------------------------------

    def compile(self, optimizers=None, **kwargs):
        """Sets one optimiser per player (`optimizers={player_name: optimizer}`; missing players get
        `default_optimizer`) and builds each eagerly on its player's variables, which distribution
        strategies and optimiser-state restore require. Other arguments go to `keras.Model.compile`."""
        optimizers = dict(optimizers or {})
        names = [player.name for player in self.players()]
        unknown = sorted(set(optimizers) - set(names))
        if unknown:
            raise ValueError(f"compile() got optimizers for unknown players. Expected names among {names}. "
                             f"Received: {unknown}")
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError("An adversarial trainer takes `optimizers={player: optimizer}` and defines its own "
                             f"losses. Received: {sorted(k for k in ('optimizer', 'loss') if k in kwargs)}")
        self.player_optimizers = {}
        for player in self.players():
            optimizer = optimizers.get(player.name) or self.default_optimizer(player.name)
            optimizer = keras.optimizers.get(optimizer)
            optimizer.build(self._player_variables(player))
            self.player_optimizers[player.name] = optimizer
        super().compile(optimizer=None, **kwargs)
        self.built = True  # the networks exist; see KERAS_NOTES (export, BackupAndRestore, strategies)

    def get_compile_config(self):
        if not hasattr(self, "player_optimizers"):  # never compiled: nothing to restore
            return None
        return {
            "optimizers": {name: keras.optimizers.serialize(opt) for name, opt in self.player_optimizers.items()},
            "jit_compile": self.jit_compile,
        }

    def compile_from_config(self, config):
        optimizers = {name: keras.optimizers.deserialize(opt) for name, opt in config["optimizers"].items()}
        self.compile(optimizers=optimizers, jit_compile=config.get("jit_compile", False))

    # -- the update -------------------------------------------------------------------------------

    @property
    def steps_per_train_step(self):
        """k: the largest number of updates any player makes per training step."""
        return max(player.steps for player in self.players())

    def real_batch_size(self, minibatch_size):
        """The dataset batch size that gives every inner update a fresh minibatch of `minibatch_size`."""
        return minibatch_size * self.steps_per_train_step

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        first, second, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__} does not support sample weights. Received a sample_weight "
                             "element in the training data")
        two_parts = len(self.example_parts) == 2
        if two_parts and second is None:
            raise ValueError(f"{type(self).__name__} trains on ({', '.join(self.example_parts)}) pairs: the training "
                             f"data must yield two tensors per example. Received: {self.example_parts[0]} only")
        batch = (first, second) if two_parts else first
        minibatches = self.split_minibatches(batch, self.steps_per_train_step)
        for player in self.players():
            for repeat in range(player.steps):
                self.update_player(player, minibatches[repeat])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def update_player(self, player, real_minibatch):
        """One gradient step of one player on one real minibatch; returns the player's logs."""
        variables = self._player_variables(player)
        with tf.GradientTape() as tape:
            loss, logs = player.objective(real_minibatch)
            scaled_loss = distribute.scale_loss_for_replicas(loss)
        gradients = tape.gradient(scaled_loss, variables)
        self.player_optimizers[player.name].apply(gradients, variables)
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return logs

    @staticmethod
    def split_minibatches(real, count):
        """Splits every tensor of `real` along the batch axis into `count` equal minibatches."""
        first = tf.nest.flatten(real)[0]
        static_size = first.shape[0]
        if static_size is not None and static_size < count:
            raise ValueError(f"A training batch must hold at least one example per inner step ({count}). "
                             f"Received: batch size {static_size}")
        if count == 1:
            return [real]
        size = tf.shape(first)[0] // count
        return [tf.nest.map_structure(lambda t, i=i: t[i * size:(i + 1) * size], real) for i in range(count)]

    def _player_variables(self, player):
        variables = [v for network in player.networks for v in network.trainable_variables]
        if not variables:
            raise ValueError(f"Player {player.name!r} has no trainable variables")
        return variables

    # -- randomness -------------------------------------------------------------------------------

    def draw_seed(self):
        """A fresh stateless seed from the model's generator, distinct on every replica."""
        seed = self.seed_generator.next()
        return seed + tf.cast(tf.stack([0, distribute.replica_id()]), seed.dtype)

    def save_own_variables(self, store):
        """Saves the seed stream's state beside the weights, so a resumed run draws the same noise."""
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE_KEY in keys:
            self.seed_generator.state.assign(store[_SEED_STATE_KEY])
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE_KEY})

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config
