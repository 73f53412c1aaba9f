"""Every game says what it does at inference: named signatures with fixed input specs, whose
functions compute what `generate`, `encode` and `translate` return."""

import numpy as np
import pytest
import tensorflow as tf

from ganzoo.zoo.registry import build_from_config
from tests.trainers.test_mixed_precision import GAME_ENTRIES
from tests.zoo.test_registry import _tiny_config

EXPECTED = {"gan": ["generate"], "dcgan": ["generate"], "wgan_gp": ["generate"], "cgan": ["generate"],
            "bigan": ["generate", "encode"], "pix2pix": ["translate"], "cyclegan": ["a_to_b", "b_to_a"]}


@pytest.mark.parametrize("game", sorted(GAME_ENTRIES))
def test_signatures_compute_what_the_model_does(game):
    model = build_from_config(_tiny_config(GAME_ENTRIES[game]), compile=False)
    signatures = model.inference_signatures()
    assert sorted(signatures) == sorted(EXPECTED[game])
    for name, signature in signatures.items():
        assert all(spec.shape[0] is None for spec in signature.inputs)  # any batch
        function = tf.function(model.inference_function(name), input_signature=signature.inputs)
        if name == "generate":
            z = model.sample_latents(6, seed=5)
            conditional = {"labels": np.arange(6) % model.num_classes} if model.conditional else {}
            inputs = [z] + ([tf.constant(conditional["labels"], tf.int32)] if conditional else [])
            np.testing.assert_allclose(function(*inputs), model.generate(6, seed=5, **conditional), atol=1e-5)
        elif name == "encode":
            x = model.generate(6, seed=5)
            np.testing.assert_allclose(function(x), model.encode(x), atol=1e-5)
        else:  # translation of an image whose sides are not multiples of the generator's stride
            direction = None if name == "translate" else name
            channels = signature.inputs[0].shape[-1]
            images = np.random.default_rng(0).uniform(-1, 1, (2, 19, 21, channels)).astype("float32")
            translated = model.translate(images, direction=direction)
            assert translated.shape[:3] == (2, 19, 21)
            np.testing.assert_allclose(function(images), translated, atol=1e-5)
    with pytest.raises(ValueError, match="Received: 'sample'"):
        model.inference_function("sample")
