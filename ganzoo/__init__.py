"""ganzoo: a zoo of Generative Adversarial Networks for Keras 3 on TensorFlow.

    import ganzoo
    ganzoo.list_models()
    gan = ganzoo.build("gan-ring", latent_dim=2)
    gan.fit(ganzoo.data.load("ring", batch_size=256), epochs=3)
    samples = gan.generate(16, seed=0)

Subpackages and the names below are imported on first use, so `import ganzoo` (and the command
line's help and listings) do not load TensorFlow until something needs it.
"""

__version__ = "0.1.0"

from ganzoo._lazy import lazy_attributes  # noqa: E402
from ganzoo.errors import GanzooError  # noqa: E402,F401

_SUBMODULES = ("callbacks", "data", "deploy", "evaluation", "inference", "lite", "losses", "metrics", "networks",
               "pictures", "run_folder", "trainers", "training", "zoo")
_TRAINERS = ("GAN", "DCGAN", "WGANGP", "ConditionalGAN", "BiGAN", "Pix2Pix", "CycleGAN", "StyleGAN2",
            "ConditionalStyleGAN2")

__getattr__, __dir__ = lazy_attributes(__name__, {
    **{name: f"ganzoo.{name}" for name in _SUBMODULES},
    **{name: f"ganzoo.trainers:{name}" for name in _TRAINERS},
    "export": "ganzoo.deploy:export",
    **{name: f"ganzoo.zoo:{name}" for name in ("build", "get_config", "list_models", "load")},
})
