"""Pure loss functions on logits; see `adversarial.py`."""

from ganzoo.losses.adversarial import (  # noqa: F401
    LOSS_FAMILIES,
    LossFamily,
    get_loss_family,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
