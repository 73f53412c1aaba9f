"""Trains the digits classifier shipped under pretrained/digits-classifier/ and records its sha256
and held-out accuracy in pretrained/manifest.json.

    python tools/train_digits_classifier.py --seed 0
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganzoo.data import load_arrays  # noqa: E402
from ganzoo.networks.classifier import build_image_classifier  # noqa: E402
from ganzoo.artifacts import record_artifact  # noqa: E402

ENTRY, FILENAME, IMAGE_SIZE = "digits-classifier", "classifier.keras", 32


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "pretrained"))
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    train_x, train_y = load_arrays("digits", split="train", image_size=IMAGE_SIZE)
    test_x, test_y = load_arrays("digits", split="test", image_size=IMAGE_SIZE)
    model = build_image_classifier(image_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), seed=args.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(train_x, train_y, batch_size=64, epochs=args.epochs, verbose=2, shuffle=True)
    test_accuracy = float(np.mean(model.predict(test_x, verbose=0).argmax(1) == test_y))
    train_accuracy = float(np.mean(model.predict(train_x, verbose=0).argmax(1) == train_y))
    target = Path(args.out) / ENTRY
    target.mkdir(parents=True, exist_ok=True)
    shipped = build_image_classifier(image_shape=(IMAGE_SIZE, IMAGE_SIZE, 1))  # no optimiser state
    shipped.set_weights(model.get_weights())
    shipped.save(target / FILENAME)
    entry = record_artifact(
        ENTRY, [FILENAME], directory=args.out,
        metrics={"test_accuracy": test_accuracy, "n_test": int(len(test_y)), "train_accuracy": train_accuracy,
                 "n_train": int(len(train_y)), "image_size": IMAGE_SIZE},
        recipe=f"python tools/train_digits_classifier.py --seed {args.seed} --epochs {args.epochs}",
        description="CNN on the bundled scikit-learn digits (train split, 32x32); its 64-d 'features' layer is "
                    "the offline feature extractor for fd_digits / kid_digits")
    print(entry)


if __name__ == "__main__":
    main()
