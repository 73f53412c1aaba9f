"""The discriminator as a density-ratio estimator (Goodfellow et al. 2014, Proposition 1, Theorem 1).

For a fixed G the optimal discriminator is D*(x) = p_data(x) / (p_data(x) + p_G(x)), so its logit is
log p_data(x) - log p_G(x), and with D optimal the game's value is V = -log 4 + 2 JSD(p_data || p_G).
These functions read those quantities off a trained discriminator.
"""

import math

import numpy as np
from keras import ops


def log_density_ratio(discriminator, x, batch_size=1024):
    """The discriminator's logit at `x`: an estimate of log p_data(x) - log p_G(x)."""
    return np.asarray(discriminator.predict(x, batch_size=batch_size, verbose=0)).reshape(len(x), -1).mean(axis=1)


def gan_value(real_logits, fake_logits):
    """V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))] from logits (log D = -softplus(-l))."""
    real = ops.convert_to_tensor(np.asarray(real_logits, np.float32))
    fake = ops.convert_to_tensor(np.asarray(fake_logits, np.float32))
    return float(-ops.mean(ops.softplus(-real)) - ops.mean(ops.softplus(fake)))


def jsd_from_value(value):
    """(V + log 4) / 2: the Jensen-Shannon divergence when D is optimal (a lower bound otherwise)."""
    return (float(value) + math.log(4.0)) / 2.0


def calibration_error(real_probabilities, fake_probabilities, bins=10):
    """Expected calibration error of D on a balanced held-out set of real (label 1) and fake (label 0)
    samples: sum over probability bins of |mean D - fraction real|, weighted by the bin's share."""
    real, fake = np.ravel(real_probabilities), np.ravel(fake_probabilities)
    if len(real) != len(fake) or len(real) == 0:
        raise ValueError(f"Expected as many real as fake held-out samples (at least one). Received: {len(real)} "
                         f"real and {len(fake)} fake")
    probabilities = np.concatenate([real, fake])
    labels = np.concatenate([np.ones_like(real), np.zeros_like(fake)])
    index = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            error += members.mean() * abs(probabilities[members].mean() - labels[members].mean())
    return float(error)
