"""How good a learned representation is for classification: the 1-nearest-neighbour protocol of the
BiGAN paper (Donahue et al. 2017, Table 1): each held-out example takes the label of its nearest
training example in feature space (Euclidean); and the untrained network that learned features must beat."""

import keras
import numpy as np


def nearest_neighbour_accuracy(reference, reference_labels, query, query_labels, *, batch_size=512):
    """Fraction of `query` whose nearest `reference` point carries the same label. Returns
    (accuracy, n_query, n_reference). Features are flattened; both sets must have the same width."""
    reference = np.asarray(reference, np.float64).reshape(len(reference), -1)
    query = np.asarray(query, np.float64).reshape(len(query), -1)
    reference_labels, query_labels = np.asarray(reference_labels), np.asarray(query_labels)
    if reference.shape[1] != query.shape[1]:
        raise ValueError(f"Reference and query features must have the same width. Received: {reference.shape[1]} "
                         f"and {query.shape[1]}")
    if len(reference_labels) != len(reference) or len(query_labels) != len(query) or len(reference) == 0:
        raise ValueError(f"Expected one label per example and a non-empty reference. Received: {len(reference)} "
                         f"reference points with {len(reference_labels)} labels, {len(query)} queries with "
                         f"{len(query_labels)} labels")
    squared_norms = np.sum(reference ** 2, axis=1)
    predicted = []
    for start in range(0, len(query), batch_size):  # |q - r|^2 = |q|^2 - 2 q.r + |r|^2; |q|^2 does not rank
        block = query[start:start + batch_size]
        predicted.append(reference_labels[np.argmin(squared_norms[None, :] - 2 * block @ reference.T, axis=1)])
    predicted = np.concatenate(predicted)
    return float(np.mean(predicted == query_labels)), len(query), len(reference)


def untrained_copy(network):
    """`network`'s architecture at fresh initial weights (its initialisers run again; ganzoo's builders
    seed them, so this is the network as it started training): the baseline a learned representation
    must beat, since a random projection through the same layers keeps much of the inputs'
    neighbourhood structure."""
    return keras.models.clone_model(network)
