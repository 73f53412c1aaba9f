"""The shipped digits classifier: verified before loading, accurate, and usable as a feature space."""

import shutil

import numpy as np
import pytest

from ganzoo.data import load_arrays
from ganzoo.errors import PretrainedError
from ganzoo.metrics.digits import DigitsClassifier, class_accuracy, classifier_score, digits_scores
from ganzoo.artifacts import pretrained_dir, read_manifest, verified_path


@pytest.fixture(scope="module")
def classifier():
    return DigitsClassifier()


def test_shipped_classifier_matches_its_manifest_accuracy(classifier):
    images, labels = load_arrays("digits", split="test", image_size=16)  # resized to 32 inside
    accuracy = float(np.mean(classifier.predict(images) == labels))
    recorded = read_manifest()["digits-classifier"]["metrics"]
    assert recorded["n_test"] == len(labels) == 359
    assert accuracy == pytest.approx(recorded["test_accuracy"], abs=0.01) and accuracy > 0.95


def test_real_vs_real_is_the_floor_and_noise_is_far(classifier):
    train, _ = load_arrays("digits", split="train", image_size=32)
    test, _ = load_arrays("digits", split="test", image_size=32)
    floor = digits_scores(train, test, classifier, kid_subsets=10, kid_subset_size=300)
    noise = np.random.default_rng(0).uniform(-1, 1, size=test.shape).astype(np.float32)
    bad = digits_scores(train, noise, classifier, kid_subsets=10, kid_subset_size=300)
    assert floor["n_real"] == 1438 and floor["n_fake"] == 359 and floor["kid_subset_size"] == 300
    assert bad["fd_digits"] > 10 * floor["fd_digits"] and bad["kid_digits"] > 10 * abs(floor["kid_digits"])


def test_tampered_or_missing_artefacts_are_refused_before_loading(tmp_path):
    copy = tmp_path / "pretrained"
    shutil.copytree(pretrained_dir(), copy)
    assert verified_path("digits-classifier", "classifier.keras", copy).is_file()
    target = copy / "digits-classifier" / "classifier.keras"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(PretrainedError, match=r"does not match its manifest and was not loaded.*Received: sha256"):
        DigitsClassifier(copy)
    target.unlink()
    with pytest.raises(PretrainedError, match="Pretrained file missing"):
        DigitsClassifier(copy)
    with pytest.raises(PretrainedError, match="Unknown pretrained entry"):
        verified_path("cifar-classifier", "classifier.keras", copy)


def test_classifier_refuses_images_out_of_range(classifier):
    with pytest.raises(ValueError, match=r"Expected images in \[-1, 1\]. Received: values in \[0, 255\]"):
        classifier.features(np.array([0, 255], np.float32).reshape(1, 1, 2, 1).repeat(2, axis=1))


def test_classifier_score_by_hand_and_on_real_digits(classifier):
    confident_balanced = np.eye(10)
    assert classifier_score(confident_balanced) == pytest.approx(10.0, rel=1e-6)
    assert classifier_score(np.tile(np.eye(10)[:1], (5, 1))) == pytest.approx(1.0)  # one class only
    assert classifier_score(np.full((4, 10), 0.1)) == pytest.approx(1.0)  # uninformative
    test, _ = load_arrays("digits", split="test", image_size=32)
    assert classifier_score(classifier.probabilities(test)) > 9.0


def test_class_accuracy_counts_agreement_per_class(classifier):
    images, labels = load_arrays("digits", split="test", image_size=32)
    result = class_accuracy(classifier, images[:100], labels[:100])
    predicted = classifier.predict(images[:100])
    assert result["accuracy"] == pytest.approx(np.mean(predicted == labels[:100])) and result["n"] == 100
    for label, value in result["per_class"].items():
        assert value == pytest.approx(np.mean(predicted[labels[:100] == label] == label))
    wrong = class_accuracy(classifier, images[:100], (labels[:100] + 1) % 10)
    assert wrong["accuracy"] < 0.1
    with pytest.raises(ValueError, match="one label per image"):
        class_accuracy(classifier, images[:3], labels[:2])
