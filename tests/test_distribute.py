"""tf.distribute: every game trained by a MirroredStrategy over two logical CPUs (set up in
conftest.py) equals the single-device run, noise included; the pieces that make it so (minibatch
arrangement, synchronised batch norm, per-replica checks, strategy choice) on their own."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import distribute, networks
from ganzoo.callbacks import GANTensorBoard
from ganzoo.errors import ConfigError
from ganzoo.trainers import GAN, WGANGP
from ganzoo.zoo import registry


def _mlp_pair():
    return (networks.build_mlp_generator(latent_dim=3, output_shape=(2,), hidden_units=(8,), seed=0),
            networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), seed=1))


#: Every game, CPU-sized: the zoo entry with small networks, each on its real noise path (latents,
#: dropout, noise images, pools, penalties, style mixing, lazy phases, EMA, path-length mean).
PARITY_CASES = {
    "gan-ring": {"model.generator.hidden_units": [8], "model.discriminator.hidden_units": [8], "data.batch_size": 16},
    "wgan-gp-ring": {"model.generator.hidden_units": [8], "model.discriminator.hidden_units": [8],
                     "data.batch_size": 16, "model.discriminator_steps": 2},
    "cgan-digits": {"model.generator.width": 8, "model.discriminator.width": 8, "data.batch_size": 16},
    "dcgan-digits": {"model.generator.width": 8, "model.discriminator.width": 8, "data.batch_size": 16},
    "pix2pix-edges2digits": {"model.generator.width": 4, "model.discriminator.width": 4, "data.batch_size": 4,
                             "data.image_size": 16, "model.discriminator.receptive_field": 16},
    "cyclegan-digits": {"model.generator.width": 4, "model.generator.blocks": 1, "model.discriminator.width": 4,
                        "data.batch_size": 4, "data.image_size": 16, "model.discriminator.receptive_field": 16,
                        "model.pool_size": 6},
    "bigan-digits": {"data.batch_size": 16},
    "stylegan2-digits": {"data.image_size": 8, "data.batch_size": 8, "model.generator.channel_max": 8,
                         "model.discriminator.channel_max": 8, "model.r1_every": 2, "model.pl_weight": 2.0,
                         "model.pl_every": 2, "model.style_mixing": 0.9},
    "stylegan2-cond-digits": {"data.image_size": 8, "data.batch_size": 8, "model.generator.channel_max": 8,
                              "model.discriminator.channel_max": 8, "model.r1_every": 2, "model.pl_weight": 2.0,
                              "model.pl_every": 2, "model.style_mixing": 0.9, "model.pl_batch_shrink": 2},
}


def _trained(entry, strategy, steps=2):
    """`entry` trained for `steps` steps under `strategy`, every player with plain SGD (learning rate
    0.01): the replicas sum gradients in another order than one device, and Adam would turn the
    rounding difference of a gradient near 0 into a step of up to its learning rate (seen on an AMD
    EPYC host), while SGD keeps it at rounding level; SGD also shows a wrongly scaled aggregation,
    which Adam, invariant to the gradient's scale, would hide."""
    config = registry.get_config(entry, PARITY_CASES[entry])
    for section in config["optimizer"].values():
        section.update(name="sgd", learning_rate=0.01, momentum=0.0)
    with strategy.scope():
        source = registry.open_training_data(config["data"])
        model = registry.build_from_config(config, source=source)
        initial = [np.array(weight) for weight in model.weights]
        model.fit(registry.training_dataset(config, model, source=source, shuffle=False), epochs=1,
                  steps_per_epoch=steps, verbose=0)
    return model, initial


@pytest.mark.parametrize("entry", [pytest.param(entry, marks=pytest.mark.slow) if entry == "stylegan2-cond-digits"
                                   else entry for entry in sorted(PARITY_CASES)])
def test_two_replicas_train_what_one_device_trains(entry, mirrored):
    """After 2 steps every weight (networks, optimiser-free state: batch-norm statistics, pools, EMA
    copies, w_avg, the path-length mean) equals the single-device run's within 1e-5."""
    single, initial = _trained(entry, tf.distribute.get_strategy())
    multi, _ = _trained(entry, mirrored)
    assert int(multi.step_counter.numpy()) == 2 and distribute.num_replicas() == 1
    assert any(not np.array_equal(before, np.array(after)) for before, after in zip(initial, single.trainable_weights))
    assert len(single.weights) == len(multi.weights)
    for a, b in zip(single.weights, multi.weights):
        assert a.shape == b.shape, (a.path, b.path)
        np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5, atol=1e-5, err_msg=a.path)


def test_batch_norm_is_synchronised_under_a_strategy_unless_turned_off(mirrored):
    def batch_norms(model):
        return [layer.synchronized for network in (model.generator, model.discriminator)
                for layer in network._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]

    small = {"model.generator.width": 8, "model.discriminator.width": 8}
    assert not any(batch_norms(ganzoo.build("dcgan-digits", compile=False, **small)))
    with mirrored.scope():
        synced = ganzoo.build("dcgan-digits", compile=False, **small)
        kept = ganzoo.build("dcgan-digits", compile=False, synchronized_batch_norm=False, **small)
    assert batch_norms(synced) and all(batch_norms(synced)) and not any(batch_norms(kept))


def test_minibatches_are_arranged_so_each_replica_holds_its_share_of_every_minibatch():
    batch = np.arange(12)  # 2 minibatches of 6; 3 replicas of 2 per minibatch
    arranged = next(iter(distribute.arrange_for_replicas(tf.data.Dataset.from_tensors(batch), 2, replicas=3)))
    shares = np.split(arranged.numpy(), 3)  # tf.distribute's split of the batch
    assert [share.tolist() for share in shares] == [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]]
    pairs = distribute.arrange_for_replicas(tf.data.Dataset.from_tensors((batch, -batch)), 2, replicas=3)
    first, second = next(iter(pairs))
    np.testing.assert_array_equal(second.numpy(), -first.numpy())


def test_a_minibatch_that_replicas_cannot_share_is_refused(mirrored):
    with mirrored.scope():
        with pytest.raises(ConfigError, match="divisible by 2. Received: data.batch_size=15"):
            ganzoo.build("gan-ring", batch_size=15)
        with pytest.raises(ConfigError, match=r"data.batch_size / 2 must be divisible by 4. Received: data.batch_size=12 "
                                              r"\(6 per replica\)"):
            ganzoo.build("gan-mbstd-grid", batch_size=12)


def test_the_tensorboard_callback_runs_under_the_strategy(mirrored, tmp_path):
    with mirrored.scope():
        plain = GAN(*_mlp_pair(), seed=0)
        plain.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((32, 2), np.float32)).batch(16)
    plain.fit(data, epochs=2, verbose=0, callbacks=[GANTensorBoard(
        tmp_path, image_every_steps=1, metrics_fn=lambda model: {"mean_x": float(model.generate(10, seed=0).mean())},
        metrics_every_epochs=1)])
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1


def test_wgan_gp_with_a_spectrally_normalised_critic_runs_under_the_strategy(mirrored):
    """The gradient penalty's nested tape and spectral norm's u updates, per replica."""
    with mirrored.scope():
        critic = networks.build_mlp_discriminator(input_shape=(2,), hidden_units=(8,), spectral_norm=True, seed=1)
        wgan = WGANGP(_mlp_pair()[0], critic, discriminator_steps=2, seed=0)
        wgan.compile()
    u_before = np.array(critic.get_layer("discriminator_logit").vector_u)
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    logs = wgan.fit(tf.data.Dataset.from_tensor_slices(points).batch(32), epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in logs.values()) and logs["gradient_penalty"][0] > 0, logs
    assert not np.array_equal(u_before, np.array(critic.get_layer("discriminator_logit").vector_u))


def test_strategy_names_are_checked():
    assert distribute.num_replicas() == 1
    with pytest.raises(ValueError, match="Received: strategy='gpu'"):
        distribute.get_strategy("gpu")


@pytest.mark.parametrize("entry", [
    "gan-ring",
    *(pytest.param(entry, marks=pytest.mark.slow) for entry in
      ("dcgan-digits", "wgan-gp-ring", "cgan-digits", "pix2pix-edges2digits", "cyclegan-digits", "bigan-digits", "stylegan2-digits")),
])
def test_every_game_trains_under_xla_on_static_shapes(entry):
    """What a TPU needs that a CPU can check: the training step compiles with XLA (jit_compile=True),
    on batches of a static size, with no host work inside the step."""
    config = registry.get_config(entry, {**PARITY_CASES[entry], "training.jit_compile": True})
    source = registry.open_training_data(config["data"])
    model = registry.build_from_config(config, source=source)
    data = registry.training_dataset(config, model, source=source, shuffle=False)
    assert all(spec.shape[0] is not None for spec in tf.nest.flatten(data.element_spec))
    before = [np.array(weight) for weight in model.trainable_weights]
    logs = model.fit(data, epochs=1, steps_per_epoch=2, verbose=0).history
    assert model.jit_compile is True and int(model.step_counter.numpy()) == 2
    assert all(np.isfinite(values[-1]) for values in logs.values()), logs
    assert any(not np.array_equal(b, np.array(a)) for b, a in zip(before, model.trainable_weights))


def test_xla_and_several_steps_per_execution_are_refused_under_cpu_replicas(mirrored):
    with mirrored.scope():
        with pytest.raises(ConfigError, match="cannot run XLA or several steps per execution under a strategy of 2 "
                                              "CPU replicas.*Received: jit_compile=True"):
            ganzoo.build("gan-ring", jit_compile=True)
        with pytest.raises(ConfigError, match="Received: steps_per_execution=4"):
            ganzoo.build("gan-ring", steps_per_execution=4)


def test_distribution_is_chosen_by_name_from_python(monkeypatch):
    made = []
    def make(name, address):  # the two logical CPUs of the test process
        made.append(name)
        return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    monkeypatch.setattr(distribute, "_make_strategy", make)
    monkeypatch.setattr(distribute, "_MADE", {})
    model = ganzoo.build("gan-ring", distribution="mirrored", compile=False)
    again = ganzoo.build("gan-ring", distribution="mirrored", compile=False)
    assert made == ["mirrored"] and model.distribute_strategy is again.distribute_strategy
    assert model.distribute_strategy.num_replicas_in_sync == 2
