"""Calibration of a trained model: a temperature fitted on the `valid` split, and the
expected calibration error (ECE) that measures it.

Every model serves softmax(logits / T): the logits are the MSE head's scores, or the
log-probabilities of the softmax head (softmax(log p / T) = softmax(z / T) for the
pre-softmax z). T minimises the negative log-likelihood of the valid split's labels
(real held-out images of the train split, never the eval split). ECE: the top-1
confidence of each example is put in one of `num_bins` equal-width bins and

    ECE = sum_b (n_b / N) * |accuracy_b - mean confidence_b|

The TFMA metric of the same name (pipeline/calibration.py) uses these functions.
"""

from typing import NamedTuple

import numpy as np

DEFAULT_BINS = 10
LOG_T_RANGE = (-7.0, 7.0)  # the temperatures searched: e^-7 .. e^7
GRID_POINTS = 141
REFINE_STEPS = 40


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


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
  """softmax(logits / temperature) along the last axis, in float64."""
  scaled = np.asarray(logits, np.float64) / temperature
  scaled -= scaled.max(axis=-1, keepdims=True)
  exp = np.exp(scaled)
  return exp / exp.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
  """Mean negative log-likelihood of the labels under softmax(logits / T)."""
  scaled = np.asarray(logits, np.float64) / temperature
  top = scaled.max(axis=-1, keepdims=True)
  log_norm = top[:, 0] + np.log(np.exp(scaled - top).sum(axis=-1))
  return float(np.mean(log_norm - scaled[np.arange(len(labels)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
  """The T in [e^-7, e^7] that minimises the NLL of softmax(logits / T): a grid over
  log T, then golden-section search around the best grid point. Deterministic."""
  grid = np.linspace(*LOG_T_RANGE, GRID_POINTS)
  losses = [nll(logits, labels, np.exp(g)) for g in grid]
  best = int(np.argmin(losses))
  low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
  ratio = (np.sqrt(5.0) - 1.0) / 2.0
  for _ in range(REFINE_STEPS):
    left, right = high - ratio * (high - low), low + ratio * (high - low)
    if nll(logits, labels, np.exp(left)) <= nll(logits, labels, np.exp(right)):
      high = right
    else:
      low = left
  return float(np.exp((low + high) / 2.0))


class Calibration(NamedTuple):
  """A fitted temperature and what it changed, on the valid split."""
  temperature: float
  valid_images: int
  valid_accuracy: float
  valid_ece_before: float  # of the probabilities served without calibration (T = 1)
  valid_ece_after: float
  valid_nll_before: float
  valid_nll_after: float

  def to_record(self) -> dict:
    return self._asdict()


def calibrate(logits: np.ndarray, labels: np.ndarray) -> Calibration:
  """Fits T on (logits, labels) of the valid split and measures ECE and NLL before
  (T = 1) and after."""
  labels = np.asarray(labels, np.int64).reshape(-1)
  temperature = fit_temperature(logits, labels)
  before, after = softmax(logits), softmax(logits, temperature)
  return Calibration(
      temperature=temperature, valid_images=len(labels),
      valid_accuracy=float(np.mean(after.argmax(axis=1) == labels)),
      valid_ece_before=ece(labels, before), valid_ece_after=ece(labels, after),
      valid_nll_before=nll(logits, labels, 1.0),
      valid_nll_after=nll(logits, labels, temperature))
