"""InceptionV3 features: one preprocessing path for real and fake, and a clear offline error.
No test downloads anything: KERAS_HOME points at an empty temporary folder (conftest)."""

import numpy as np
import pytest

from ganzoo.errors import PretrainedError
from ganzoo.metrics.inception import InceptionFeatures, cached_weights_path, prepare_for_inception


def test_preprocessing_quantises_resizes_and_tiles_grayscale():
    levels = np.arange(0, 256, 2)[:128]  # exact grey levels, so a small nudge cannot cross a rounding edge
    images = (levels / 127.5 - 1.0).reshape(2, 8, 8, 1).astype(np.float32)
    prepared = prepare_for_inception(images).numpy()
    assert prepared.shape == (2, 299, 299, 3) and -1.0 <= prepared.min() and prepared.max() <= 1.0
    np.testing.assert_array_equal(prepared[..., 0], prepared[..., 2])
    nudged = np.clip(images + 1e-3, -1, 1)  # under half a grey level: quantisation makes the two identical
    np.testing.assert_array_equal(prepare_for_inception(nudged).numpy(), prepared)


def test_missing_weights_offline_name_the_alternatives():
    assert not cached_weights_path().exists()
    with pytest.raises(PretrainedError, match="Offline alternatives: fd_digits / kid_digits"):
        InceptionFeatures(allow_download=False)
    with pytest.raises(PretrainedError, match="No InceptionV3 weights file"):
        InceptionFeatures(weights="/nonexistent/inception.h5")


def test_features_have_2048_dimensions_with_random_weights():
    extractor = InceptionFeatures(weights=None)
    features = extractor.features(np.zeros((3, 16, 16, 3), np.float32), batch_size=2)
    assert features.shape == (3, 2048) and np.all(np.isfinite(features))
