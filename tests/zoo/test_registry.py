"""Every zoo entry, automatically: builds small, trains a step, each player moves only its own
variables, losses are finite, and the model survives save/load with equal outputs."""

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.zoo.model_types import ARCHITECTURES, MODEL_TYPES
from ganzoo.zoo.registry import training_dataset
from tests.conftest import changed, variables_snapshot

#: Overrides that make each architecture tiny. A new architecture must add its line here.
TINY = {
    "mlp": {"model.latent_dim": 4, "model.generator.hidden_units": [8], "model.discriminator.hidden_units": [8]},
    "dcgan": {"model.latent_dim": 4, "model.generator.width": 4, "model.discriminator.width": 4,
              "data.image_size": 8},
    "unet": {"model.generator.width": 4, "model.discriminator.width": 4, "model.discriminator.receptive_field": 16,
             "data.image_size": 16},
    "stylegan2": {"model.latent_dim": 8, "model.generator.w_dim": 8, "model.generator.channel_base": 64,
                  "model.generator.channel_max": 8, "model.discriminator.channel_base": 64,
                  "model.discriminator.channel_max": 8, "data.image_size": 8},
    "resnet": {"model.generator.width": 4, "model.generator.blocks": 1, "model.discriminator.width": 4,
               "model.discriminator.receptive_field": 16, "data.image_size": 16},
}
#: Entries whose data needs a network (tfds) or the user's files (a folder by path) are smoke-tested on
#: offline data of the same kind.
OFFLINE_STAND_INS = {"unpaired": "digits-negative", "paired": "edges2digits", None: "digits"}
COMMON = {"data.batch_size": 8, "data.num_samples": 256}
ENTRIES = sorted(ganzoo.list_models())


def test_the_zoo_has_the_foundation_entries_with_descriptions():
    entries = ganzoo.list_models()
    assert {"gan-ring", "gan-grid", "dcgan-digits"} <= set(entries)
    assert all(description.strip() for description in entries.values())


def test_every_architecture_has_a_tiny_setting_and_every_model_type_an_entry():
    assert set(TINY) == set(ARCHITECTURES)
    assert set(MODEL_TYPES) <= {ganzoo.get_config(entry)["model"]["type"] for entry in ENTRIES} | {"gan"}


def _tiny_config(entry):
    config = ganzoo.get_config(entry)
    overrides = {**TINY[config["model"]["architecture"]], **COMMON}
    name = config["data"]["name"]
    if name not in ganzoo.data.MIXTURES:
        overrides.pop("data.num_samples")
    if name not in ganzoo.data.BUILTIN:
        overrides["data.name"] = OFFLINE_STAND_INS[ganzoo.data.pair_kind(name)]
    return ganzoo.get_config(entry, overrides)


@pytest.mark.parametrize("entry", ENTRIES)
def test_entry_trains_a_step_and_round_trips(entry, tmp_path):
    config = _tiny_config(entry)
    model = ganzoo.zoo.build_from_config(config)
    dataset = training_dataset(config, model)
    batch = next(iter(dataset))
    translating = isinstance(model, ganzoo.trainers.ImageTranslator)
    real = batch[0] if model.conditional or translating else batch
    assert tuple(real.shape[1:]) == (model.source_shape if translating else model.sample_shape)

    for player in model.players():  # each player's update touches its own networks only
        others = [net for other in model.players() if other.name != player.name for net in other.networks]
        mine, theirs = variables_snapshot(player.networks), variables_snapshot(others)
        model.update_player(player, model.split_minibatches(batch, model.steps_per_train_step)[0])
        assert changed(mine, variables_snapshot(player.networks)), f"{player.name} did not move"
        assert not changed(theirs, variables_snapshot(others)), f"{player.name} moved another player"

    history = model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    assert history.history and all(np.isfinite(values[-1]) for values in history.history.values())

    path = tmp_path / f"{entry}.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is type(model)
    if translating:  # every direction translates alike, and every discriminator judges alike
        for direction in model.directions:
            source = batch[0] if direction == next(iter(model.directions)) else batch[1]
            np.testing.assert_allclose(restored.translate(source, direction=direction),
                                       model.translate(source, direction=direction), atol=1e-6)
        for name in ("discriminator", "discriminator_a", "discriminator_b"):
            if hasattr(model, name):
                judged = list(batch) if name == "discriminator" else batch[0] if name.endswith("a") else batch[1]
                np.testing.assert_allclose(getattr(restored, name)(judged), getattr(model, name)(judged), atol=1e-6)
        return
    np.testing.assert_allclose(restored.generate(4, seed=7), model.generate(4, seed=7), atol=1e-6)
    judged = list(batch) if model.conditional else real
    if isinstance(model, ganzoo.BiGAN):  # a joint discriminator judges (x, E(x)) pairs
        judged = [real, model.encoder(real)]
        np.testing.assert_allclose(restored.encode(real), model.encode(real), atol=1e-6)
    np.testing.assert_allclose(restored.discriminator(judged), model.discriminator(judged), atol=1e-6)


def test_registering_a_name_twice_is_refused_and_defaults_come_from_the_trainer():
    from ganzoo.zoo import model_types

    with pytest.raises(ValueError, match="model type named 'gan' is already registered"):
        model_types.register_model_type("gan", trainer=ganzoo.GAN, architectures=("mlp",))
    with pytest.raises(ValueError, match="architecture named 'mlp' is already registered"):
        model_types.register_architecture("mlp", generator_schema={}, discriminator_schema={}, encoder_schema={})
    assert MODEL_TYPES["gan"].trainer is ganzoo.GAN  # the first registration stands
    from ganzoo.zoo.config import apply_overrides

    config = apply_overrides({"model": {"type": "wgan_gp"}, "data": {"name": "ring"}}, {})  # every default
    assert (config["model"]["loss"], config["model"]["discriminator_steps"]) == ("wasserstein", 5)
    assert config["model"]["gradient_penalty_weight"] == 10.0
    assert {k: config["optimizer"]["discriminator"][k] for k in ("learning_rate", "beta_1", "beta_2")} \
        == ganzoo.WGANGP.optimizer_defaults
