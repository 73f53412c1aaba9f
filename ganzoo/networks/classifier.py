"""A small CNN classifier whose penultimate layer serves as an offline feature extractor for image
metrics on digit-like data (in the role InceptionV3 plays for FID, without any download)."""

import keras

from ganzoo.networks.initializers import InitializerSeeds

FEATURES_LAYER = "features"


def build_image_classifier(*, image_shape=(32, 32, 1), num_classes=10, feature_dim=64, seed=None,
                           name="classifier"):
    """conv32-pool-conv64-pool-dense(feature_dim, named "features")-dropout-dense(num_classes logits)."""
    init = InitializerSeeds(seed)
    inputs = keras.Input(tuple(image_shape), name="image")
    x = inputs
    for index, filters in enumerate((32, 64)):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                kernel_initializer=init.glorot_uniform(), name=f"conv_{index}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool_{index}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    features = keras.layers.Dense(feature_dim, activation="relu", kernel_initializer=init.glorot_uniform(),
                                  name=FEATURES_LAYER)(x)
    x = keras.layers.Dropout(0.3, seed=seed, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, kernel_initializer=init.glorot_uniform(), name="logits")(x)
    return keras.Model(inputs, logits, name=name)
