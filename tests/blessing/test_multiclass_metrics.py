"""The Evaluators' accuracy and log loss (blessing/multiclass_metrics.py) against
hand-computed values and Keras' metrics of the same names."""

import numpy as np
import pytest

from tfx_distill.blessing.multiclass_metrics import log_loss, top1_correct


def test_against_hand_computed_values():
  probs = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8], [1.0, 0.0, 0.0]])
  labels = np.array([1, 2, 1])
  assert log_loss(labels, probs) == pytest.approx(
      [-np.log(0.25), -np.log(0.8), -np.log(1e-7)])  # the last one clipped
  assert top1_correct(labels, probs).tolist() == [0.0, 1.0, 0.0]


def test_against_keras():
  import keras  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  probs = rng.dirichlet(np.ones(10), size=50)
  labels = rng.integers(0, 10, size=50)
  for metric, ours in ((keras.metrics.SparseCategoricalCrossentropy(), log_loss),
                       (keras.metrics.SparseCategoricalAccuracy(), top1_correct)):
    metric.update_state(labels, probs)
    assert np.mean(ours(labels, probs)) == pytest.approx(float(metric.result()), rel=1e-5)
