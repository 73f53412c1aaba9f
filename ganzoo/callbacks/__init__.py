"""Keras callbacks for GAN training."""

from ganzoo.callbacks.tensorboard import GANTensorBoard, jsd_estimate, last_logged_step  # noqa: F401
