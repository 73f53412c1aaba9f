"""ganzoo: a zoo of Generative Adversarial Networks for Keras 3 on TensorFlow."""

__version__ = "0.1.0"
