"""Offline image metrics for digit-like images, in the feature space of the shipped digits
classifier (pretrained/digits-classifier, sha256-checked before loading).

`cs_digits` is the classifier score (Inception Score form) of a set of images.
Named for what they are: `fd_digits` is a Frechet distance in this classifier's 64-d feature space,
not FID, and `kid_digits` the matching kernel distance. Images are float NHWC in [-1, 1], one
channel, any square size (resized bilinearly to the classifier's 32x32).
"""

import keras
import numpy as np
import tensorflow as tf

from ganzoo.artifacts import load_keras_model, read_manifest
from ganzoo.metrics.feature_statistics import frechet_distance, kernel_inception_distance
from ganzoo.networks.classifier import FEATURES_LAYER

ENTRY, FILENAME = "digits-classifier", "classifier.keras"


class DigitsClassifier:
    """The shipped classifier as a feature extractor and labeller."""

    def __init__(self, directory=None):
        self.model = load_keras_model(ENTRY, FILENAME, directory)
        self.metadata = read_manifest(directory)[ENTRY]
        self.image_size = int(self.model.input.shape[1])
        self.extractor = keras.Model(self.model.input, self.model.get_layer(FEATURES_LAYER).output)

    def _prepare(self, images):
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] != 1:
            raise ValueError(f"Expected grayscale images of shape (n, height, width, 1). Received: shape {images.shape}")
        low, high = float(images.min()), float(images.max())
        if low < -1.0001 or high > 1.0001:
            raise ValueError(f"Expected images in [-1, 1]. Received: values in [{low:g}, {high:g}]")
        if images.shape[1:3] != (self.image_size, self.image_size):
            images = tf.image.resize(images, (self.image_size, self.image_size), antialias=True).numpy()
        return images

    @property
    def name(self):
        """How reports name this feature extractor: the classifier and the start of its sha256."""
        return f"digits-classifier sha256:{self.metadata['files'][FILENAME]['sha256'][:12]}"

    def features(self, images, batch_size=256):
        return np.asarray(self.extractor.predict(self._prepare(images), batch_size=batch_size, verbose=0))

    def probabilities(self, images, batch_size=256):
        logits = np.asarray(self.model.predict(self._prepare(images), batch_size=batch_size, verbose=0), np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    def predict(self, images, batch_size=256):
        return self.probabilities(images, batch_size).argmax(1)


def classifier_score(probabilities, eps=1e-12):
    """exp(E_x KL(p(y|x) || p(y))), the Inception Score's form (Salimans et al. 2016) with the digits
    classifier: 1 for uninformative or single-class samples, up to 10 for confident, balanced ones."""
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) < 1:
        raise ValueError(f"Expected class probabilities of shape (n, classes). Received: shape {p.shape}")
    marginal = p.mean(axis=0, keepdims=True)
    return float(np.exp(np.mean(np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1))))


def digits_scores(real, fake, classifier=None, *, kid_subsets=100, kid_subset_size=1000, seed=0):
    """{fd_digits, kid_digits, kid_digits_std, cs_digits, cs_digits_real, n_real, n_fake, kid_subset_size}."""
    classifier = classifier or DigitsClassifier()
    real_features, fake_features = classifier.features(real), classifier.features(fake)
    fd, n_real, n_fake = frechet_distance(real_features, fake_features)
    kid, kid_std, size = kernel_inception_distance(real_features, fake_features, subsets=kid_subsets,
                                                   subset_size=kid_subset_size, seed=seed)
    return {"fd_digits": fd, "kid_digits": kid, "kid_digits_std": kid_std, "n_real": n_real, "n_fake": n_fake,
            "kid_subset_size": size, "cs_digits": classifier_score(classifier.probabilities(fake))}


def class_accuracy(classifier, images, labels):
    """How often the classifier labels `images` with the class they were generated for:
    {"accuracy": overall, "per_class": {class: accuracy}, "n": len(images)} (the conditional-GAN
    check of docs/EVALUATION.md; the classifier's own test accuracy is the ceiling)."""
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"Expected one label per image. Received: {len(labels)} labels for {len(images)} images")
    correct = classifier.predict(images) == labels
    per_class = {int(c): float(correct[labels == c].mean()) for c in np.unique(labels)}
    return {"accuracy": float(correct.mean()), "per_class": per_class, "n": int(len(labels))}
