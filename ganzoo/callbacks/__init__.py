"""Keras callbacks for GAN training."""

from ganzoo.callbacks.tensorboard import GANTensorBoard, jsd_estimate, logged_steps  # noqa: F401
