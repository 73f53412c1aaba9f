"""1-nearest-neighbour accuracy against scikit-learn's classifier and by hand."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from ganzoo.metrics import nearest_neighbour_accuracy


def test_matches_scikit_learn_1nn():
    rng = np.random.default_rng(0)
    reference, query = rng.normal(size=(300, 5)), rng.normal(size=(1100, 5))
    reference_labels, query_labels = rng.integers(0, 3, 300), rng.integers(0, 3, 1100)
    expected = KNeighborsClassifier(n_neighbors=1).fit(reference, reference_labels).score(query, query_labels)
    accuracy, n_query, n_reference = nearest_neighbour_accuracy(reference, reference_labels, query, query_labels)
    assert accuracy == pytest.approx(expected) and (n_query, n_reference) == (1100, 300)


def test_by_hand_and_bad_input():
    reference, labels = np.array([[0.0], [10.0]]), np.array([0, 1])
    assert nearest_neighbour_accuracy(reference, labels, np.array([[1.0], [9.0], [4.0]]), [0, 1, 1])[0] == 2 / 3
    with pytest.raises(ValueError, match="same width"):
        nearest_neighbour_accuracy(reference, labels, np.zeros((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="one label per example"):
        nearest_neighbour_accuracy(reference, labels[:1], reference, labels)
