"""`ganzoo evaluate`: metrics of a trained model, each reported with N, seed and feature extractor.

`catalogue` registers every metric with the layouts it applies to; one module per family measures
them (`digits`, `inception`, `mixtures`, `inversion`, `translation`); `measure.evaluate` runs them.

Metrics:
- cs_digits: the classifier score (Inception Score form) of generated images, next to real test images'.
- fd_digits, kid_digits: Frechet and kernel distances in the shipped digits classifier's feature space
  between generated images and the real digits train split (with the real test split vs the train
  split reported as the floor, `*_floor`).
- fid, kid: the same distances in InceptionV3 pool features (needs the ImageNet weights: the Keras
  cache, or a network unless GANZOO_OFFLINE=1), against the run's training images.
- modes: the PacGAN mode-coverage protocol on the ring/grid mixtures.
- class_accuracy_digits: for class-conditional models, how often the digits classifier labels a
  sample with the class it was generated for (n samples, every class equally often), overall and per
  class, beside the classifier's accuracy on the real test split (the ceiling). For translation
  models on digits (edges2digits, digits-negative): how often the class of a held-out digit survives
  translation.
- l1, psnr: translation outputs against the held-out targets (pix2pix), or for CycleGAN against the
  known transform between the domains (digits-negative), in each direction.
- cycle_error: CycleGAN's mean |F(G(a)) - a| and |G(F(b)) - b| on held-out images.
- colourfulness: Hasler & Suesstrunk's colourfulness of RGB translation outputs beside the targets'
  (colorize: does the model colour, or wash out to grey?).
- fd_digits, kid_digits of translation outputs that are digits (edges2digits): how digit-like the
  outputs are as a set, against the digits train split, beside the held-out targets' own values.
- knn_accuracy, x_reconstruction_error, z_reconstruction_error, reconstruction_class_accuracy_digits
  (BiGAN, see `inversion_rows`): 1-nearest-neighbour accuracy in E(x) space on held-out data beside raw
  inputs' and an untrained encoder's; the error of G(E(x)) and of E(G(z)) beside the error of
  always answering the mean; how often G(E(x)) keeps a held-out digit's class.
Translation metrics run the generators in the chosen inference mode (`--mode`, see
`ganzoo.trainers.INFERENCE_MODES`) and report the standard error over images.
"""

from ganzoo._lazy import lazy_attributes
from ganzoo.evaluation.catalogue import Request, metric_names, metrics_for_layout, register_metric  # noqa: F401

__getattr__, __dir__ = lazy_attributes(__name__, {
    "evaluate": "ganzoo.evaluation.measure:evaluate",
    "format_table": "ganzoo.evaluation.measure:format_table",
})
