"""Config validation: every mistake names the key, the value received and what is allowed."""

import pytest

import ganzoo
from ganzoo import networks
from ganzoo.errors import ConfigError, UnknownEntryError
from ganzoo.zoo import parse_override


@pytest.mark.parametrize("overrides, message", [
    ({"lattent_dim": 2}, r"Unknown config key 'lattent_dim'.*model.latent_dim"),
    ({"model.latent_dim": -1}, r"model.latent_dim must be >= 1. Received: model.latent_dim=-1"),
    ({"model.latent_dim": 2.5}, r"model.latent_dim must be an integer. Received: model.latent_dim=2.5"),
    ({"model.loss": "hing"}, r"model.loss must be one of \[.*'hinge'.*\]. Received: model.loss='hing'"),
    ({"learning_rate": 0.1}, r"ambiguous.*optimizer.generator.learning_rate"),
    ({"model.generator.hidden_units": [8, "x"]}, r"hidden_units\[1\]='x'"),
    ({"optimizer.generator.beta_1": 1.5}, r"beta_1 must be <= 1.0"),
    ({"model.type": "vae"}, r"model.type must be one of .* Received: model.type='vae'"),
])
def test_bad_overrides_are_refused_with_the_key_and_value(overrides, message):
    with pytest.raises(ConfigError, match=message):
        ganzoo.get_config("gan-ring", overrides)


def test_overrides_by_dotted_key_by_unique_leaf_and_from_text():
    config = ganzoo.get_config("gan-ring", {"latent_dim": 2, **dict([parse_override("optimizer.generator.learning_rate=1e-4")])})
    assert config["model"]["latent_dim"] == 2
    assert config["optimizer"]["generator"]["learning_rate"] == 1e-4  # YAML 1.1 reads 1e-4 as a string
    assert config["optimizer"]["discriminator"]["learning_rate"] == ganzoo.get_config("gan-ring")["optimizer"]["discriminator"]["learning_rate"]


def test_build_applies_python_overrides():
    model = ganzoo.build("gan-ring", latent_dim=2, discriminator_steps=2)
    assert model.latent_dim == 2 and model.discriminator_steps == 2


def test_config_file_with_unknown_key_names_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("model: {type: gan, colour: red}\ndata: {name: ring}\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: Unknown key model.colour.*Received: model.colour='red'"):
        ganzoo.get_config(str(path))


def test_unknown_entry_and_malformed_override():
    with pytest.raises(UnknownEntryError, match=r"Expected one of \[.*'gan-ring'.*Received: 'gan-rign'"):
        ganzoo.get_config("gan-rign")
    with pytest.raises(ConfigError, match="key.subkey=value"):
        parse_override("latent_dim")


def test_defaults_are_filled_and_the_dump_reloads(tmp_path):
    from ganzoo.zoo import dump_config

    config = ganzoo.get_config("dcgan-digits")
    assert config["training"]["steps_per_epoch"] is None and config["model"]["latent_distribution"] == "normal"
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_config(config))
    assert ganzoo.get_config(str(path)) == config


def test_architecture_that_cannot_fit_the_data_is_a_config_error():
    with pytest.raises(ConfigError, match=r"Cannot build dcgan for data of shape \(2,\)"):
        ganzoo.build("dcgan-digits", **{"data.name": "ring"})


def test_model_type_and_architecture_choose_the_schema_and_defaults():
    wgan = ganzoo.get_config("gan-ring", {"model.type": "wgan_gp"})
    assert wgan["model"]["gradient_penalty_weight"] == 10.0 and wgan["model"]["architecture"] == "mlp"
    assert ganzoo.get_config("bigan-ring")["model"]["encoder"]["hidden_units"] == [256, 256, 256]
    with pytest.raises(ConfigError, match=r"Unknown config key 'model.encoder.hidden_units'"):
        ganzoo.get_config("gan-ring", {"model.encoder.hidden_units": [8]})
    with pytest.raises(ConfigError, match=r"model.architecture of a cgan must be one of \['dcgan'\]. "
                                          r"Received: model.architecture='mlp'"):
        ganzoo.get_config("cgan-digits", {"model.architecture": "mlp"})
    with pytest.raises(ConfigError, match=r"Cannot build bigan .*loss must be one of .*Received: loss=.hinge."):
        ganzoo.build("bigan-ring", **{"model.loss": "hinge"})


@pytest.mark.parametrize("overrides, message", [
    ({"model.discriminator.packing": 3}, r"divisible by 3 for model.discriminator.packing. Received: data.batch_size=512"),
    ({"model.discriminator.minibatch_std": True, "data.batch_size": 6}, r"divisible by 4 .*Received: data.batch_size=6"),
])
def test_batch_that_the_discriminator_cannot_group_is_refused_before_training(overrides, message):
    with pytest.raises(ConfigError, match=message):
        ganzoo.build("gan-ring", **overrides)


@pytest.mark.parametrize("entry, overrides, message", [
    ("gan-ring", {"data.name": "colorize"}, "model.type gan generates single samples; 'colorize' holds image pairs"),
    ("pix2pix-colorize", {"data.name": "digits"}, "model.type pix2pix translates images and needs image pairs"),
    ("pix2pix-colorize", {"data.name": "digits-negative"}, "needs aligned (input, target) pairs"),
    ("gan-ring", {"data.reverse": True}, "data.reverse swaps the sides of translation data"),
    ("pix2pix-edges2digits", {"data.image_size": 24}, "Cannot build pix2pix for data of shape"),
])
def test_games_and_data_that_do_not_fit_are_config_errors(entry, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ganzoo.build(entry, compile=False, **{key: value for key, value in overrides.items()})


def test_translation_types_have_their_own_keys_and_the_papers_defaults():
    config = ganzoo.get_config("pix2pix-colorize", {"model.l1_weight": 10.0})
    assert config["model"]["l1_weight"] == 10.0 and "latent_dim" not in config["model"]
    with pytest.raises(ConfigError, match="Unknown config key 'latent_dim'"):
        ganzoo.get_config("pix2pix-colorize", {"latent_dim": 4})
    cyclegan = ganzoo.zoo.config.schema_for("cyclegan")
    assert cyclegan["model"]["loss"].default == "least_squares"
    assert cyclegan["model"]["discriminator"]["normalization"].default == "instance"
    assert (cyclegan["model"]["cycle_weight"].default, cyclegan["model"]["identity_weight"].default,
            cyclegan["model"]["pool_size"].default) == (10.0, 5.0, 50)
    assert ganzoo.zoo.config.schema_for("pix2pix")["model"]["l1_weight"].default == 100.0
    horse2zebra = ganzoo.get_config("cyclegan-horse2zebra")
    assert horse2zebra["data"]["batch_size"] == 1 and horse2zebra["model"]["generator"]["blocks"] == 9
    assert horse2zebra["optimizer"]["generator"]["decay"] == "linear"


def test_translation_data_of_unfixed_size_is_a_config_error():
    config = ganzoo.get_config("cyclegan-horse2zebra", {"data.image_size": None})
    with pytest.raises(ConfigError, match=r"size is not fixed \(set data.image_size\)"):
        ganzoo.zoo.build_from_config(config, sample_shape=((None, None, 3), (None, None, 3)), compile=False)
    assert ganzoo.get_config("cyclegan-horse2zebra")["data"]["image_size"] == 256


def test_r1_is_an_option_of_every_gan_and_joint_discriminator_options_only_of_bigan():
    """R1 is one discriminator phase shared by the GAN family, BiGAN and StyleGAN2 (a lazy one
    rescales the default optimiser); a joint discriminator's options are refused where D judges x alone."""
    gan = ganzoo.build("gan-ring", **{"model.r1_gamma": 2.0, "model.r1_every": 4})
    assert [(phase.player, phase.every) for phase in gan.phases()] == [
        ("discriminator", 1), ("discriminator", 4), ("generator", 1)]
    assert ganzoo.build("gan-ring").phases()[1].player == "generator"  # no R1 by default
    assert (gan.get_config()["r1_gamma"], gan.get_config()["r1_every"]) == (2.0, 4)
    for key, value in (("separate_scores", True), ("z_hidden_units", [8])):
        with pytest.raises(ConfigError, match=rf"model.discriminator.{key} is an option of a joint discriminator"):
            ganzoo.build("gan-ring", **{f"model.discriminator.{key}": value})
    with pytest.raises(ConfigError, match="separate_scores is an option of a joint discriminator"):
        ganzoo.build("dcgan-digits", **{"model.discriminator.separate_scores": True})
    bigan = ganzoo.build("bigan-ring", **{"model.discriminator.separate_scores": True,
                                          "model.discriminator.z_hidden_units": [8], "model.r1_gamma": 1.0})
    assert bigan.discriminator.outputs[0].shape[-1] == 3 and bigan.r1_gamma == 1.0
    assert [(phase.player, phase.every) for phase in bigan.phases()] == [
        ("discriminator", 1), ("discriminator", 1), ("generator", 1)]
    convolutional = networks.build_dcgan_joint_discriminator(image_shape=(8, 8, 1), latent_dim=4, width=8,
                                                             separate_scores=True)
    assert convolutional.outputs[0].shape[-1] == 3
