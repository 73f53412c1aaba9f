"""The two-player update, written once for every variant.

A variant is a `keras.Model` whose `train_step` is inherited from `AdversarialTrainer`. It declares
*players* and *phases*:

- a `Player` is a name, the networks whose trainable variables it updates, and (through the trainer)
  one optimiser;
- a `Phase` runs one objective of one player on a schedule: `repeats` updates per training step (the
  k discriminator steps of Goodfellow et al. 2014, Algorithm 1, each on a fresh real minibatch) on the
  steps where `step % every == 0` (lazy regularisation, Karras et al. 2020, section 3.1: on the other
  steps the phase costs nothing, no tape and no gradient). Phases of one player share its optimiser
  and its moments.

A player given an objective (`Player(name, networks, objective, steps)`) has one phase of its own with
`repeats=steps`, so a game of plain players needs no phases at all; a variant with more objectives
overrides `phases()`. The base class owns the gradient tapes, the optimisers, a step counter saved with
the model, per-replica loss scaling, float16 loss scaling, loss trackers, the exponential moving
average of the inference networks and the model's random seed stream; variants write objectives,
never loops.

Forward reuse (an option, `reuse_forward=True`, for games that declare `shares_forward_passes`): an
objective that wraps a forward pass in `shared_forward(key, compute)` lets a later phase of the same
training step use the earlier phase's result on the same minibatch instead of computing it again. The
earlier phase computes it under a tape of its own; the later phase's gradients flow back through that
tape (the chain rule, so its update is the exact gradient at the value it received). It changes the
game's update where the later phase would have drawn fresh noise (the generator's step then uses the
latents of the discriminator's step), so it is off by default.

Batches: with k = the largest `repeats` of any phase, the dataset batch holds k * m examples and is
split into k minibatches of m; repeat i of any phase uses minibatch i. A remainder that does not
divide by k is dropped. `real_batch_size(m)` tells a data pipeline what to ask for.
"""

from typing import Sequence

import keras
import tensorflow as tf

from ganzoo import distribute, precision
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.trainers.ema import ExponentialMovingAverage
from ganzoo.trainers.parts import (  # noqa: F401 (the variants import them from here)
    InferenceSignature, Phase, Player, bounded_number, check_functional, lazy_adam_settings, positive_int,
    replace_nonfinite)


_SEED_STATE_KEY = "seed_generator_state"
_STEP_KEY = "step_counter"
_LAYER_SEED_KEY = "layer_seed_state_"


class AdversarialTrainer(keras.Model):
    """Base class: subclasses implement `players()` (and `phases()` when a player has more than one
    objective) and list their reported `metric_names`.

    Args:
        seed: seeds the model's random stream (all noise drawn inside `train_step`).
        ema: None, or the exponential moving average of the `inference_networks` that sampling and
            evaluation then use: `{"decay": d}` or `{"half_life_kimg": h, "ramp": r}` (see
            `ExponentialMovingAverage`).
        synchronized_batch_norm: whether the networks' batch normalisation computes its statistics
            over the global minibatch under a `tf.distribute` strategy (all-reduced over replicas) rather
            than over each replica's share; None (the default) synchronises it when the trainer is built
            under a strategy with more than one replica, which makes training independent of the
            replica count. Set when the trainer is built.
        reuse_forward: a later phase of a training step receives a forward pass an earlier one made on
            the same minibatch instead of computing it again (see the module's docstring; for games with
            `shares_forward_passes`).
    """

    #: The networks the game needs: "latent" (G: z -> x, D: x -> logit), "joint" (also an encoder
    #: E: x -> z, and D on [x, z]), "paired" (G: x -> y, D on [x, y]) or "unpaired" (a generator and
    #: a discriminator per domain). Data pipelines, pictures and metrics ask the model for it.
    layout = "latent"

    #: Names of the scalars the objectives report; one running mean is kept for each.
    metric_names: Sequence[str] = ()

    #: The players' names in the order they move; a config's `optimizer` section has one entry each.
    player_names: Sequence[str] = ("discriminator", "generator")

    #: Attributes holding the networks that inference uses (and that an EMA averages).
    inference_networks: Sequence[str] = ("generator",)

    #: The optimiser settings a player gets when `compile` is not given one: Adam(2e-4, beta_1=0.5),
    #: the DCGAN paper's setting (Radford et al. 2016, section 4). Configs read their defaults here.
    optimizer_defaults = {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}

    #: What one training example holds. One part: objectives receive a batch of samples. Two parts,
    #: e.g. ("samples", "labels") for class-conditional games, ("inputs", "targets") for paired and
    #: ("domain_a", "domain_b") for unpaired translation: objectives receive (first, second) batches,
    #: which the dataset yields as Keras' (x, y).
    example_parts = ("samples",)

    #: Whether each phase's gradients have NaN replaced by 0 and +-inf by +-1e5 before the update (as
    #: StyleGAN2's official code does); a float16 loss-scale optimiser sees them unchanged, since it
    #: needs the non-finite values to lower its scale.
    replaces_nonfinite_gradients = False

    #: Whether the game's objectives mark forward passes with `shared_forward`, so that `reuse_forward`
    #: can save one; trainers that do not refuse the option.
    shares_forward_passes = False

    #: Whether `d_loss` is -V(D, G) of the game, so that (V + log 4) / 2 estimates the JSD (Goodfellow
    #: et al. 2014, Theorem 1); monitors log the estimate only then.
    @property
    def d_loss_is_minus_value(self):
        return False

    @property
    def example_shape(self):
        """The shape of one training example as its data gives it (what `ganzoo.zoo.build_from_config`
        takes as `sample_shape`): a sample's, or (inputs', targets') / (domain A's, domain B's) for
        translation games."""
        if self.layout in TRANSLATION_LAYOUTS:
            return (self.source_shape, self.target_shape)
        return self.sample_shape

    @property
    def conditional(self):
        """Whether the second part of an example is a class label (class-conditional games)."""
        return tuple(self.example_parts) == ("samples", "labels")

    def __init__(self, *, seed=None, ema=None, synchronized_batch_norm=None, reuse_forward=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(reuse_forward, bool):
            raise ValueError(f"reuse_forward must be True or False. Received: reuse_forward={reuse_forward!r}")
        if reuse_forward and not self.shares_forward_passes:
            raise ValueError(f"{type(self).__name__} has no forward pass that two of its phases share, so "
                             f"reuse_forward cannot save one. Received: reuse_forward=True")
        self.reuse_forward = reuse_forward
        object.__setattr__(self, "_running", None)  # the phase run_phase is in, while tracing; not tracked
        object.__setattr__(self, "_repeat", None)  # the index of the minibatch train_step's phase is on
        object.__setattr__(self, "_kept_forwards", {})  # (key, repeat) -> _KeptForward, within one step
        if synchronized_batch_norm not in (None, True, False):
            raise ValueError(f"synchronized_batch_norm must be True, False or None (synchronised under a strategy). "
                             f"Received: synchronized_batch_norm={synchronized_batch_norm!r}")
        self.synchronized_batch_norm = synchronized_batch_norm
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        self.ema_settings = ExponentialMovingAverage.validate(ema)
        self._ema = None
        object.__setattr__(self, "_metric_phases", {})  # metric name -> phase name, not tracked by Keras
        # Training steps taken, owned by the trainer and saved with it (not tracked as a Keras weight,
        # so models saved before it existed still load); intervals and callbacks read it.
        object.__setattr__(self, "_step_counter", keras.Variable(
            0, dtype="int64", trainable=False, name="step_counter", aggregation="only_first_replica"))

    @property
    def step_counter(self):
        """Training steps taken so far (an int64 variable; saved with the model)."""
        return self._step_counter

    def add_tracker(self, name):
        """Reports one more scalar (for metrics that depend on constructor options)."""
        self.trackers[name] = keras.metrics.Mean(name=name)

    def finish_networks(self):
        """Called by a variant's constructor once its networks are attributes: creates the EMA copies
        (when asked for, once every inference network exists) and marks the model built (Keras
        otherwise refuses export, backups and strategies for a subclass that wraps built sub-models)."""
        ready = all(hasattr(self, name) for name in self.inference_networks)
        if ready:
            synchronized = self.synchronized_batch_norm
            if synchronized is None and distribute.num_replicas() > 1:
                synchronized = True
            for player in self.players():
                for network in player.networks:
                    precision.check_float32_outputs(network.name, network)
                    if synchronized is not None:
                        distribute.synchronize_batch_norm(network, synchronized)
        if self.ema_settings is not None and self._ema is None and ready:
            self._ema = ExponentialMovingAverage(
                {name: getattr(self, name) for name in self.inference_networks}, **self.ema_settings)
            self.ema_networks = self._ema.copies  # tracked by Keras: saved and restored with the model
        self.built = True

    # -- what a variant provides ------------------------------------------------------------------

    def players(self):
        """The players, in the order they move within one training step."""
        raise TypeError(f"{type(self).__name__} must define players(), the list of its players")

    def phases(self):
        """The phases in the order they run within one training step: by default each player's own
        objective, `steps` times, every step."""
        return [Phase(player.name, player.objective, player.steps) for player in self.players()
                if player.objective is not None]

    def default_optimizer(self, player_name):
        """The optimiser a player gets when `compile` is not given one: Adam with `optimizer_defaults`,
        rescaled for lazy regularisation (`lazy_adam_settings`)."""
        return keras.optimizers.Adam(**lazy_adam_settings(self.optimizer_defaults,
                                                          self.lazy_regularization_ratio(player_name)))

    def lazy_regularization_ratio(self, player_name):
        """c = k / (k + 1) for a player with a phase that runs every k > 1 steps, else 1.

        Lazy regularisation (Karras et al. 2020, appendix B) runs a regulariser every k steps with its
        loss times k; the player's Adam then takes k + 1 steps where it would take k, and the official
        code rescales its learning rate to lr * c and its betas to beta ** c to keep the same dynamics.
        `default_optimizer` and the zoo's configs apply it; an optimiser given to `compile` is used as
        it is."""
        intervals = {phase.every for phase in self.phases() if phase.player == player_name and phase.every > 1}
        if len(intervals) > 1:
            raise ValueError(f"Player {player_name!r} has lazy phases with different intervals {sorted(intervals)}; "
                             "the optimiser rescaling needs one interval per player")
        if not intervals:
            return 1.0
        interval = intervals.pop()
        return interval / (interval + 1)

    # -- compile ----------------------------------------------------------------------------------

    def compile(self, optimizers=None, **kwargs):
        """Sets one optimiser per player (`optimizers={player_name: optimizer}`; missing players get
        `default_optimizer`) and builds each eagerly on its player's variables, which distribution
        strategies and optimiser-state restore require. Other arguments go to `keras.Model.compile`."""
        optimizers = dict(optimizers or {})
        players = self.players()
        names = [player.name for player in players]
        if names != list(self.player_names):
            raise TypeError(f"{type(self).__name__}.players() must return players named {list(self.player_names)} "
                            f"(its player_names). Received: {names}")
        unknown = sorted(set(optimizers) - set(names))
        if unknown:
            raise ValueError(f"compile() got optimizers for unknown players. Expected names among {names}. "
                             f"Received: {unknown}")
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError("An adversarial trainer takes `optimizers={player: optimizer}` and defines its own "
                             f"losses. Received: {sorted(k for k in ('optimizer', 'loss') if k in kwargs)}")
        self.check_phases()
        distribute.check_compile_options(kwargs.get("jit_compile", "auto"), kwargs.get("steps_per_execution", 1))
        self.player_optimizers = {}
        for player in players:
            optimizer = optimizers.get(player.name) or self.default_optimizer(player.name)
            optimizer = keras.optimizers.get(optimizer)
            if self._computes_in_float16(player) and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)  # dynamic loss scaling for float16
            optimizer.build(self._player_variables(player))
            self.player_optimizers[player.name] = optimizer
        super().compile(optimizer=None, **kwargs)
        self.built = True

    @staticmethod
    def _computes_in_float16(player):
        return any(getattr(layer, "compute_dtype", None) == "float16"
                   for network in player.networks for layer in network.layers)

    def check_phases(self):
        """Every phase names a player, with valid repeats and interval."""
        names = [player.name for player in self.players()]
        phases = self.phases()
        if not phases:
            raise TypeError(f"{type(self).__name__} has no phases: give its players objectives or define phases()")
        for phase in phases:
            if phase.player not in names:
                raise ValueError(f"A phase of {type(self).__name__} names an unknown player. Expected one of "
                                 f"{names}. Received: player={phase.player!r}")
            positive_int("repeats", phase.repeats)
            positive_int("every", phase.every)
        return phases

    def get_compile_config(self):
        if not hasattr(self, "player_optimizers"):  # never compiled: nothing to restore
            return None
        return {
            "optimizers": {name: keras.optimizers.serialize(opt) for name, opt in self.player_optimizers.items()},
            "jit_compile": self.jit_compile,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        optimizers = {name: keras.optimizers.deserialize(opt) for name, opt in config["optimizers"].items()}
        self.compile(optimizers=optimizers, jit_compile=config.get("jit_compile", False),
                     steps_per_execution=config.get("steps_per_execution", 1))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras' build pass before `fit` under a strategy, skipped when every layer is built (always,
        once a trainer exists): it has nothing to build then, and it would average a data batch over
        replicas, which fails for (first, second) batches under MultiWorkerMirroredStrategy."""
        if all(layer.built for layer in self._flatten_layers()):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    # -- the update -------------------------------------------------------------------------------

    @property
    def steps_per_train_step(self):
        """k: the largest number of repeats of any phase (minibatches per dataset batch)."""
        return max(phase.repeats for phase in self.phases())

    def updates_per_step(self, player_name):
        """Average optimiser updates per training step of one player (over all of its phases)."""
        return sum(phase.repeats / phase.every for phase in self.phases() if phase.player == player_name)

    def real_batch_size(self, minibatch_size):
        """The dataset batch size that gives every inner update a fresh minibatch of `minibatch_size`."""
        return minibatch_size * self.steps_per_train_step

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _examples(self, data):
        """The batch of examples in `data` as the objectives take it: samples, or a (first, second) pair."""
        first, second, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__} does not support sample weights. Received a sample_weight "
                             "element in the training data")
        two_parts = len(self.example_parts) == 2
        if two_parts and second is None:
            raise ValueError(f"{type(self).__name__} trains on ({', '.join(self.example_parts)}) pairs: the training "
                             f"data must yield two tensors per example. Received: {self.example_parts[0]} only")
        return (first, second) if two_parts else first

    def test_step(self, data):
        """`model.evaluate(dataset)` and `fit(validation_data=...)`: every phase's objective on the
        batch's first minibatch (the one a training step's first repeats see), with no update. What
        the forward passes change in place (batch-norm statistics, spectral-norm vectors, image pools,
        the noise state) is put back afterwards, so that evaluating never changes the model or its
        next step."""
        state = self.non_trainable_variables
        kept = [tf.identity(variable) for variable in state]
        minibatches = self.split_minibatches(self._examples(data), self.steps_per_train_step)
        for phase in self.phases():
            _, logs = phase.objective(minibatches[0])
            self._track(logs, phase)
        with tf.control_dependencies([tf.nest.flatten(logs)[0]] if logs else []):
            for variable, value in zip(state, kept):
                variable.assign(value)
        return distribute.step_logs({name: tracker.result() for name, tracker in self.trackers.items()})

    def train_step(self, data):
        minibatches = self.split_minibatches(self._examples(data), self.steps_per_train_step)
        self._kept_forwards.clear()
        for phase in self.phases():
            for repeat in range(phase.repeats):
                object.__setattr__(self, "_repeat", repeat if phase.every == 1 else None)
                if phase.every == 1:
                    self.run_phase(phase, minibatches[repeat])
                else:
                    self._run_phase_when_due(phase, minibatches[repeat])
        object.__setattr__(self, "_repeat", None)
        self._kept_forwards.clear()
        if self._ema is not None:
            self._ema.update(self.step_counter, tf.shape(tf.nest.flatten(minibatches[0])[0])[0])
        self.step_counter.assign_add(1)
        return distribute.step_logs({name: tracker.result() for name, tracker in self.trackers.items()})

    def run_phase(self, phase, real_minibatch):
        """One gradient step of `phase` on one real minibatch; returns the objective's logs."""
        player = self._player(phase.player)
        variables = self._player_variables(player)
        optimizer = self.player_optimizers[player.name]
        with tf.GradientTape() as tape:
            running = _RunningPhase(phase, self._repeat, tape)  # the minibatch's index keys shared passes
            object.__setattr__(self, "_running", running)
            try:
                loss, logs = phase.objective(real_minibatch)
            finally:
                object.__setattr__(self, "_running", None)
            scaled_loss = distribute.scale_loss_for_replicas(tf.cast(loss, tf.float32))
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                scaled_loss = optimizer.scale_loss(scaled_loss)  # float16: keeps small gradients from underflow
        gradients = self._gradients(tape, scaled_loss, variables, running.received)
        if self.replaces_nonfinite_gradients and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            gradients = [replace_nonfinite(gradient) for gradient in gradients]
        # A variable the phase's loss does not depend on (D's output bias under R1, G's toRGB biases under
        # the path-length penalty) is left untouched, moments included, as PyTorch's Adam skips it.
        used = [(gradient, variable) for gradient, variable in zip(gradients, variables) if gradient is not None]
        optimizer.apply([gradient for gradient, _ in used], [variable for _, variable in used])
        self._track(logs, phase)
        return logs

    @staticmethod
    def _gradients(tape, loss, variables, received):
        """d loss / d variables, through the forward passes the phase received from an earlier phase
        (`received`: `_KeptForward`s): their values' gradients are carried back along the tapes that
        recorded them."""
        values = [tf.nest.flatten(kept.value) for kept in received]
        gradients = tape.gradient(loss, variables + [t for flat in values for t in flat])
        direct, upstream = gradients[:len(variables)], gradients[len(variables):]
        for kept, flat in zip(received, values):
            upstream_here, upstream = upstream[:len(flat)], upstream[len(flat):]
            through = kept.tape.gradient(flat, variables, output_gradients=[
                tf.zeros_like(t) if g is None else g for t, g in zip(flat, upstream_here)])
            direct = [a if b is None else b if a is None else a + b for a, b in zip(direct, through)]
        return direct

    def shared_forward(self, key, compute):
        """`compute()`, a forward pass that more than one phase of a training step makes on the same
        minibatch (e.g. the generator's fakes), marked so that `reuse_forward` can make it once.

        With `reuse_forward` off, or outside a training step's phases, this is `compute()`. With it on,
        the first phase to ask in a training step computes it (under a tape of its own, so that later
        phases can differentiate through it) and a later phase on the same minibatch receives that value
        instead of computing again; a phase that asks twice (its repeats) computes each time."""
        running = self._running
        if not self.reuse_forward or running is None or running.repeat is None:
            return compute()
        slot = (key, running.repeat)
        kept = self._kept_forwards.get(slot)
        if kept is not None and kept.phase is not running.phase:
            for tensor in tf.nest.flatten(kept.value):
                running.tape.watch(tensor)
            running.received.append(kept)
            return kept.value
        with tf.GradientTape(persistent=True) as tape:
            value = compute()
        self._kept_forwards[slot] = _KeptForward(running.phase, value, tape)
        return value

    def _track(self, logs, phase):
        """Adds a phase's logs to the running-mean trackers (and notes, while tracing, which phase
        reports each, for messages)."""
        for name, value in logs.items():
            self.trackers[name].update_state(tf.cast(value, tf.float32))
            self._metric_phases[name] = phase.name

    def phase_of_metric(self, name):
        """The name of the phase that reports metric `name` (known once a step has been traced), or None."""
        return self._metric_phases.get(name)

    def update_player(self, player, real_minibatch):
        """One gradient step of `player`'s own objective on one real minibatch; returns its logs."""
        return self.run_phase(Phase(player.name, player.objective), real_minibatch)

    def _run_phase_when_due(self, phase, real_minibatch):
        """Runs `phase` only on steps where step % every == 0.

        The decision is taken in cross-replica context: under a `tf.distribute` strategy an optimiser
        update inside a `tf.cond` of the replica function fails (its gradient aggregation cannot be
        reached from the branch's graph). The per-replica minibatch travels through `merge_call`'s
        arguments, so that each replica trains on its own data."""
        due = tf.equal(self.step_counter % phase.every, 0)

        def in_cross_replica_context(strategy, minibatch):
            def run():
                strategy.run(self.run_phase, args=(phase, minibatch))
                return tf.constant(True)

            return tf.cond(due, run, lambda: tf.constant(False))

        tf.distribute.get_replica_context().merge_call(in_cross_replica_context, args=(real_minibatch,))

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

    def _player(self, name):
        for player in self.players():
            if player.name == name:
                return player
        raise ValueError(f"Unknown player. Expected one of {[p.name for p in self.players()]}. Received: {name!r}")

    def _player_variables(self, player):
        variables = [v for network in player.networks for v in network.trainable_variables]
        if not variables:
            raise ValueError(f"Player {player.name!r} has no trainable variables")
        return variables

    # -- inference --------------------------------------------------------------------------------

    def inference_network(self, name="generator"):
        """The network inference uses for attribute `name`: its EMA copy when the model keeps one."""
        if name not in self.inference_networks:
            raise ValueError(f"{type(self).__name__}'s inference networks are {list(self.inference_networks)}. "
                             f"Received: {name!r}")
        if self._ema is not None:
            return self._ema.copies[name]
        return getattr(self, name)

    def inference_signatures(self):
        """{name: InferenceSignature}: generate(z), generate(z, labels), encode(x), translate(images)
        or one per direction; `inference_function(name)` computes each."""
        raise TypeError(f"{type(self).__name__} must define inference_signatures()")

    def inference_function(self, name):
        """A function of the signature's input tensors that computes signature `name` in inference mode
        (the same computation as `generate`, `encode` or `translate`)."""
        signatures = self.inference_signatures()
        if name not in signatures:
            raise ValueError(f"{type(self).__name__}'s inference signatures are {list(signatures)}. Received: {name!r}")
        return self.signature_function(name, self.inference_network(signatures[name].network))

    def signature_function(self, name, network):
        """How signature `name` runs its network: called on its inputs in inference mode."""
        return lambda *inputs: network(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    @property
    def ema(self):
        """The `ExponentialMovingAverage` of the inference networks, or None."""
        return self._ema

    # -- randomness and state ---------------------------------------------------------------------

    def draw_seed(self):
        """A fresh stateless seed from the model's generator, the same on every replica: a draw made
        per example takes this replica's rows of the global minibatch's draw (`distribute.per_example`)."""
        return self.seed_generator.next()

    def _layer_seed_states(self):
        """The states of the seed generators inside the players' networks (dropout's), in a fixed order:
        Keras saves layer weights but not these, and a resumed run must draw the same masks."""
        weights = {id(weight) for player in self.players() for network in player.networks for weight in network.weights}
        return [variable for player in self.players() for network in player.networks for variable in network.variables
                if id(variable) not in weights and variable.path.endswith("seed_generator_state")]

    def save_own_variables(self, store):
        """Saves the seed streams' states and the step counter beside the weights, so a resumed run
        draws the same noise and keeps its schedule."""
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = self.seed_generator.state
        store[_STEP_KEY] = self.step_counter
        for index, state in enumerate(self._layer_seed_states()):
            store[f"{_LAYER_SEED_KEY}{index}"] = state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE_KEY in keys:
            self.seed_generator.state.assign(store[_SEED_STATE_KEY])
        if _STEP_KEY in keys:  # absent from models saved before the counter existed
            self.step_counter.assign(store[_STEP_KEY])
        for index, state in enumerate(self._layer_seed_states()):
            if f"{_LAYER_SEED_KEY}{index}" in keys:  # absent from models saved before they were kept
                state.assign(store[f"{_LAYER_SEED_KEY}{index}"])
        own = (_SEED_STATE_KEY, _STEP_KEY)
        super().load_own_variables({key: store[key] for key in keys
                                    if key not in own and not key.startswith(_LAYER_SEED_KEY)})

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        if self.synchronized_batch_norm is not None:
            config["synchronized_batch_norm"] = self.synchronized_batch_norm
        if self.reuse_forward:
            config["reuse_forward"] = True
        if self.ema_settings is not None:
            config["ema"] = dict(self.ema_settings)
        return config


class _RunningPhase:
    """The phase `run_phase` is tracing: its tape, and the kept forward passes it received."""

    def __init__(self, phase, repeat, tape):
        self.phase, self.repeat, self.tape, self.received = phase, repeat, tape, []


class _KeptForward:
    """A forward pass kept for later phases of a training step: the phase that made it, its value
    and the (persistent) tape that recorded it."""

    def __init__(self, phase, value, tape):
        self.phase, self.value, self.tape = phase, value, tape
