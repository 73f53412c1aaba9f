"""The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1):

    GP = E_xhat[(||grad_xhat D(xhat)||_2 - 1)^2],  xhat = eps * x + (1 - eps) * G(z),  eps ~ U[0, 1]

with one eps per sample (a common published bug draws eps from a normal, or one eps per batch).
Works on any sample shape (2D points, images) and any critic output: the norm is taken over everything
that one critic output depends on, i.e. over each sample, or over each pack of consecutive samples
for a packed discriminator (PacGAN), whose output has batch / packing rows.
"""

import tensorflow as tf


def interpolate(real, fake, seed):
    """eps * real + (1 - eps) * fake with eps ~ U[0, 1] drawn once per sample (stateless, from `seed`)."""
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
    epsilon = tf.random.stateless_uniform(shape, seed, dtype=real.dtype, alg="philox")
    return epsilon * real + (1.0 - epsilon) * fake


def gradient_penalty(critic, points, *, target_norm=1.0, training=True):
    """Mean of (||grad D(points)|| - target_norm)^2, differentiable in the critic's weights.

    `points` are usually `interpolate(real, fake, seed)`. The gradient of the summed critic outputs is
    reshaped to (critic output rows, -1) before the norm, so the norm is per sample (or per pack)."""
    points = tf.convert_to_tensor(points)
    with tf.GradientTape() as tape:
        tape.watch(points)
        outputs = critic(points, training=training)
        total = tf.reduce_sum(outputs)
    gradients = tape.gradient(total, points)
    rows = tf.shape(outputs)[0]
    norms = tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(gradients, [rows, -1])), axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norms - target_norm))
