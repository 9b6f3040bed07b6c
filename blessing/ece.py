"""Expected calibration error (ECE), top-1, with equal-width confidence bins: the top-1
confidence of each example falls in one of `num_bins` bins and

    ECE = sum_b (n_b / N) * |accuracy_b - mean confidence_b|

The Trainer reports it before and after its temperature (trainer/calibration.py); the
Evaluators gate on it through the TFMA metric of the same name (ece_metric.py), which
accumulates the same per-bin statistics over the eval split.
"""

import numpy as np

DEFAULT_BINS = 10


def bin_statistics(labels: np.ndarray, probabilities: np.ndarray,
                   num_bins: int = DEFAULT_BINS) -> np.ndarray:
  """(num_bins, 3) array of per-bin [count, sum of confidence, number correct] for
  integer labels (N,) and class probabilities (N, C)."""
  confidence = probabilities.max(axis=1)
  correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
  bins = np.minimum((confidence * num_bins).astype(int), num_bins - 1)
  stats = np.zeros((num_bins, 3))
  np.add.at(stats, bins, np.stack([np.ones_like(confidence), confidence, correct], 1))
  return stats


def expected_calibration_error(stats: np.ndarray) -> float:
  """ECE from per-bin [count, sum of confidence, number correct] (nan if empty)."""
  total = stats[:, 0].sum()
  if total == 0:
    return float('nan')
  filled = stats[:, 0] > 0
  gaps = np.abs(stats[filled, 2] - stats[filled, 1])  # n_b * |acc_b - conf_b|
  return float(gaps.sum() / total)


def ece(labels: np.ndarray, probabilities: np.ndarray, num_bins: int = DEFAULT_BINS) -> float:
  """Top-1 ECE of class probabilities (N, C) for integer labels (N,)."""
  return expected_calibration_error(bin_statistics(labels, probabilities, num_bins))
