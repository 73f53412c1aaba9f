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


def inversion_rows(model, names, request):
    """Rows of the BiGAN metrics `names` on `request.n` held-out points (digits: the test split, with
    the train split as the 1-NN reference)."""
    n, seed, data_name = request.n, request.seed, request.training_data["name"]
    reference, reference_labels, query, query_labels = held_out_labelled(data_name, model.sample_shape, n, seed)
    untrained = untrained_copy(model.encoder)  # E as it started: the baseline of the 1-NN and class-kept rows
    rows = []
    if "knn_accuracy" in names:
        for metric, features, note in (
                ("knn_accuracy", model.encode, "E(x) of held-out data, training data as reference"),
                ("knn_accuracy_inputs", lambda x: x, "raw inputs, the same sets"),
                ("knn_accuracy_untrained_encoder", lambda x: untrained.predict(x, verbose=0, batch_size=256),
                 "E's architecture at fresh initial weights: what training must beat")):
            accuracy, n_query, n_reference = nearest_neighbour_accuracy(features(reference), reference_labels,
                                                                        features(query), query_labels)
            rows.append({"metric": metric, "value": accuracy, "n_real": n_query,
                         "n_reference": n_reference, "note": note})
    if "x_reconstruction_error" in names:
        rows += [{"metric": "x_reconstruction_error", "value": float(np.mean((model.reconstruct(query) - query) ** 2)),
                  "n_real": len(query), "note": "mean squared error of G(E(x)) on held-out data"},
                 {"metric": "x_reconstruction_error_baseline", "value": float(np.mean((query - query.mean(0)) ** 2)),
                  "n_real": len(query), "note": "always answering the held-out mean"}]
    if "z_reconstruction_error" in names:
        z = np.asarray(model.sample_latents(n, seed=seed))
        recovered = model.encode(model.inference_network("generator").predict(z, verbose=0, batch_size=256))
        rows += [{"metric": "z_reconstruction_error", "value": float(np.mean((recovered - z) ** 2)), "n_fake": n,
                  "note": "mean squared error of E(G(z)), z from the prior"},
                 {"metric": "z_reconstruction_error_baseline", "value": float(np.mean((z - z.mean(0)) ** 2)),
                  "n_fake": n, "note": "always answering the prior's mean (its variance)"}]
    if "reconstruction_class_accuracy_digits" in names:
        if data_name != "digits":
            raise DataError(f"reconstruction_class_accuracy_digits needs a model of the digits. Received: data "
                            f"{data_name!r}")
        classifier = DigitsClassifier()
        kept = class_accuracy(classifier, model.reconstruct(query), query_labels)
        generator = model.inference_network("generator")
        through_untrained = generator.predict(untrained.predict(query, verbose=0, batch_size=256), verbose=0,
                                              batch_size=256)
        kept_untrained = class_accuracy(classifier, through_untrained, query_labels)
        ceiling = class_accuracy(classifier, query, query_labels)
        rows += [{"metric": "reconstruction_class_accuracy_digits", "value": kept["accuracy"], "n_real": kept["n"],
                  "feature_extractor": classifier.name, "note": "classifier gives G(E(x)) the class of x (chance 0.1)"},
                 {"metric": "reconstruction_class_accuracy_digits_untrained_encoder",
                  "value": kept_untrained["accuracy"], "n_real": kept_untrained["n"], "feature_extractor": classifier.name,
                  "note": "the same through E's initial weights: what training E adds"},
                 {"metric": "reconstruction_class_accuracy_digits_ceiling", "value": ceiling["accuracy"],
                  "n_real": ceiling["n"], "feature_extractor": classifier.name,
                  "note": "classifier on the held-out digits themselves"}]
    return rows
