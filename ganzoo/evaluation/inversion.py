"""BiGAN's inversion metrics (Donahue et al. 2017, section 4): do the encoder E and the generator G
invert each other, and is E(x) a representation? Each row stands beside the baseline that gives it
meaning: raw inputs and E at its initial weights for the 1-nearest-neighbour accuracy, always answering
the mean for the reconstruction errors, the held-out digits themselves for the class kept by G(E(x))."""

import numpy as np

from ganzoo.errors import DataError
from ganzoo.held_out import held_out_labelled
from ganzoo.metrics import nearest_neighbour_accuracy
from ganzoo.metrics.digits import DigitsClassifier, class_accuracy
from ganzoo.metrics.representation import untrained_copy


def inversion_measures(encode, decode, data, *, z=None, classifier=None):
    """The inversion protocol for one encoder/decoder pair (BiGAN's E and G, an autoencoder's two halves,
    E at its initial weights with a trained G), as {name: value}; `encode` and `decode` map numpy
    arrays to numpy arrays, `data` is (reference x, reference labels, query x, query labels).

    - knn_accuracy: 1-nearest-neighbour accuracy of the query's codes among the reference's codes;
    - x_reconstruction_error: mean squared error of decode(encode(x)) on the query;
    - reconstruction_class_accuracy: how often `classifier` gives decode(encode(x)) the class of x
      (with a classifier);
    - z_reconstruction_error: mean squared error of encode(decode(z)) for prior draws `z` (when given).
    The counts go with them: n_query and n_reference."""
    reference, reference_labels, query, query_labels = data
    codes = encode(query)
    measures = {"knn_accuracy": nearest_neighbour_accuracy(encode(reference), reference_labels, codes,
                                                           query_labels)[0],
                "n_query": len(query), "n_reference": len(reference)}
    reconstructed = decode(codes)
    measures["x_reconstruction_error"] = float(np.mean((reconstructed - query) ** 2))
    if classifier is not None:
        measures["reconstruction_class_accuracy"] = class_accuracy(classifier, reconstructed, query_labels)["accuracy"]
    if z is not None:
        measures["z_reconstruction_error"] = float(np.mean((encode(decode(z)) - z) ** 2))
    return measures


def predictor(network):
    """numpy -> numpy through `network` in inference mode, in batches."""
    return lambda x: np.asarray(network.predict(x, verbose=0, batch_size=256))


def inversion_rows(model, names, request):
    """Rows of the BiGAN metrics `names` on `request.n` held-out points (digits: the test split, with
    the train split as the 1-NN reference), each beside its baseline."""
    n, seed, data_name = request.n, request.seed, request.training_data["name"]
    data = held_out_labelled(data_name, model.sample_shape, n, seed)
    reference, reference_labels, query, query_labels = data
    if "reconstruction_class_accuracy_digits" in names and data_name != "digits":
        raise DataError(f"reconstruction_class_accuracy_digits needs a model of the digits. Received: data "
                        f"{data_name!r}")
    classifier = DigitsClassifier() if "reconstruction_class_accuracy_digits" in names else None
    z = np.asarray(model.sample_latents(n, seed=seed))
    generate = predictor(model.inference_network("generator"))
    trained = inversion_measures(model.encode, generate, data, z=z, classifier=classifier)
    # E as it started: the baseline of the 1-NN and class-kept rows
    untrained = inversion_measures(predictor(untrained_copy(model.encoder)), generate, data, classifier=classifier)
    rows = []
    if "knn_accuracy" in names:
        pixels = nearest_neighbour_accuracy(reference, reference_labels, query, query_labels)[0]
        for metric, value, note in (
                ("knn_accuracy", trained["knn_accuracy"], "E(x) of held-out data, training data as reference"),
                ("knn_accuracy_inputs", pixels, "raw inputs, the same sets"),
                ("knn_accuracy_untrained_encoder", untrained["knn_accuracy"],
                 "E's architecture at fresh initial weights: what training must beat")):
            rows.append({"metric": metric, "value": value, "n_real": trained["n_query"],
                         "n_reference": trained["n_reference"], "note": note})
    if "x_reconstruction_error" in names:
        rows += [{"metric": "x_reconstruction_error", "value": trained["x_reconstruction_error"],
                  "n_real": len(query), "note": "mean squared error of G(E(x)) on held-out data"},
                 {"metric": "x_reconstruction_error_baseline", "value": float(np.mean((query - query.mean(0)) ** 2)),
                  "n_real": len(query), "note": "always answering the held-out mean"}]
    if "z_reconstruction_error" in names:
        rows += [{"metric": "z_reconstruction_error", "value": trained["z_reconstruction_error"], "n_fake": n,
                  "note": "mean squared error of E(G(z)), z from the prior"},
                 {"metric": "z_reconstruction_error_baseline", "value": float(np.mean((z - z.mean(0)) ** 2)),
                  "n_fake": n, "note": "always answering the prior's mean (its variance)"}]
    if classifier is not None:
        ceiling = class_accuracy(classifier, query, query_labels)
        common = {"n_real": len(query), "feature_extractor": classifier.name}
        rows += [{"metric": "reconstruction_class_accuracy_digits", "value": trained["reconstruction_class_accuracy"],
                  **common, "note": "classifier gives G(E(x)) the class of x (chance 0.1)"},
                 {"metric": "reconstruction_class_accuracy_digits_untrained_encoder",
                  "value": untrained["reconstruction_class_accuracy"], **common,
                  "note": "the same through E's initial weights: what training E adds"},
                 {"metric": "reconstruction_class_accuracy_digits_ceiling", "value": ceiling["accuracy"],
                  "n_real": ceiling["n"], "feature_extractor": classifier.name,
                  "note": "classifier on the held-out digits themselves"}]
    return rows
