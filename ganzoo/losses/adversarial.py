"""Adversarial losses on discriminator logits.

Pure, stateless functions. Each family has a `<family>_discriminator_loss(real_logits, fake_logits)`
that the discriminator minimises and a `<family>_generator_loss(fake_logits)` that the generator
minimises. Logits may have any shape (a scalar per sample, or a patch map as in PatchGAN): every loss
is the mean over all elements, so a patch discriminator is a per-patch classifier.

Notation: l is a logit and D = sigmoid(l), so log D = -softplus(-l) and log(1 - D) = -softplus(l),
which are exact and never overflow.
"""

from typing import Callable, NamedTuple

from keras import ops


def _mean(x):
    return ops.mean(ops.convert_to_tensor(x, dtype="float32"))


def minimax_discriminator_loss(real_logits, fake_logits):
    """-V(D, G) = -E[log D(x)] - E[log(1 - D(G(z)))] (Goodfellow et al. 2014, eq. 1)."""
    return _mean(ops.softplus(-real_logits)) + _mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))]: the saturating generator loss of the minimax game (Goodfellow 2014)."""
    return -_mean(ops.softplus(fake_logits))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """Same discriminator objective as the minimax game."""
    return minimax_discriminator_loss(real_logits, fake_logits)


def non_saturating_generator_loss(fake_logits):
    """-E[log D(G(z))]: the non-saturating heuristic of Goodfellow et al. 2014, section 3."""
    return _mean(ops.softplus(-fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """E[f(G(z))] - E[f(x)]: the critic loss of Arjovsky et al. 2017 (needs a Lipschitz constraint)."""
    return _mean(fake_logits) - _mean(real_logits)


def wasserstein_generator_loss(fake_logits):
    """-E[f(G(z))] (Arjovsky et al. 2017)."""
    return -_mean(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """E[max(0, 1 - l(x))] + E[max(0, 1 + l(G(z)))] (Lim & Ye 2017; Miyato et al. 2018)."""
    return _mean(ops.relu(1.0 - real_logits)) + _mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """-E[l(G(z))] (Lim & Ye 2017)."""
    return -_mean(fake_logits)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """1/2 E[(l(x) - 1)^2] + 1/2 E[l(G(z))^2] (Mao et al. 2017, a=0, b=c=1; CycleGAN halves its
    discriminator objective the same way)."""
    return 0.5 * _mean(ops.square(real_logits - 1.0)) + 0.5 * _mean(ops.square(fake_logits))


def least_squares_generator_loss(fake_logits):
    """E[(l(G(z)) - 1)^2]: Mao et al. 2017 with a=0, b=c=1, without their constant 1/2, as CycleGAN
    (Zhu et al. 2017, section 4) uses it, so that its cycle weight lambda = 10 means what it says."""
    return _mean(ops.square(fake_logits - 1.0))


class LossFamily(NamedTuple):
    """The two halves of one adversarial objective."""

    name: str
    discriminator_loss: Callable
    generator_loss: Callable


LOSS_FAMILIES = {
    family.name: family
    for family in (
        LossFamily("minimax", minimax_discriminator_loss, minimax_generator_loss),
        LossFamily("non_saturating", non_saturating_discriminator_loss, non_saturating_generator_loss),
        LossFamily("wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss),
        LossFamily("hinge", hinge_discriminator_loss, hinge_generator_loss),
        LossFamily("least_squares", least_squares_discriminator_loss, least_squares_generator_loss),
    )
}


def get_loss_family(name):
    """Returns the `LossFamily` called `name`, or raises a ValueError listing the known families."""
    try:
        return LOSS_FAMILIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown adversarial loss family. Expected one of {sorted(LOSS_FAMILIES)}. "
            f"Received: loss={name!r}"
        ) from None
