"""Gradient penalties: WGAN-GP's, R1 and StyleGAN2's path lengths.

The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1):

    GP = E_xhat[(||grad_xhat D(xhat)||_2 - 1)^2],  xhat = eps * x + (1 - eps) * G(z),  eps ~ U[0, 1]

with one eps per sample (a common published bug draws eps from a normal, or one eps per batch).
Works on any sample shape (2D points, images) and any critic output: the norm is taken over everything
that one critic output depends on, i.e. over each sample, or over each pack of consecutive samples
for a packed discriminator (PacGAN), whose output has batch / packing rows.
"""

import tensorflow as tf

from ganzoo import distribute


def interpolate(real, fake, seed):
    """eps * real + (1 - eps) * fake with eps ~ U[0, 1] drawn once per sample (stateless, from `seed`)."""
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    ones = tf.ones([tf.rank(real) - 1], tf.int32)
    epsilon = distribute.per_example(
        lambda n: tf.random.stateless_uniform(tf.concat([[n], ones], axis=0), seed, dtype=real.dtype, alg="philox"),
        tf.shape(real)[0])
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


def r1_penalty(discriminator, real, *, training=True):
    """R1 (Mescheder et al. 2018, eq. 9, without gamma / 2): E_x[||grad_x D(x)||^2] on real samples,
    the squared norm summed over each sample (and over every input, when `real` is a list of inputs
    such as BiGAN's [x, E(x)]) and over D's outputs' sum. Differentiable in the discriminator's weights."""
    real = tf.nest.map_structure(tf.convert_to_tensor, real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = tf.reduce_sum(tf.cast(discriminator(real, training=training), tf.float32))
    squared = 0.0
    for part, gradient in zip(tf.nest.flatten(real), tf.nest.flatten(tape.gradient(total, real))):
        squared += tf.reduce_sum(tf.reshape(tf.square(tf.cast(gradient, tf.float32)), [tf.shape(part)[0], -1]), axis=1)
    return tf.reduce_mean(squared)


def path_lengths(synthesis, ws, seed, *, training=True):
    """StyleGAN2's path lengths (Karras et al. 2020, section 3.2, eq. 4): per sample,
    ||J_w^T y||_2 with y ~ N(0, I) / sqrt(H * W) an image-shaped random direction, computed as the
    gradient of sum(G(w) * y) with respect to w (not by finite differences). For ws of shape
    (batch, num_ws, w_dim) the squared norm is summed over w_dim and averaged over the layers, as in
    the official code. Returns (lengths of shape (batch,), images)."""
    ws = tf.convert_to_tensor(ws)
    with tf.GradientTape() as tape:
        tape.watch(ws)
        images = tf.cast(synthesis(ws, training=training), tf.float32)
        height, width = images.shape[1], images.shape[2]
        noise = distribute.per_example(
            lambda n: tf.random.stateless_normal(tf.concat([[n], tf.shape(images)[1:]], 0), seed, alg="philox"),
            tf.shape(images)[0]) / float(height * width) ** 0.5
        total = tf.reduce_sum(images * noise)
    gradients = tf.cast(tape.gradient(total, ws), tf.float32)
    squared = tf.reduce_sum(tf.square(gradients), axis=-1)
    if len(ws.shape) == 3:
        squared = tf.reduce_mean(squared, axis=1)
    return tf.sqrt(squared), images
