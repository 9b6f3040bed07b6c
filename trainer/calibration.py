"""Calibration of a trained model: a temperature fitted on the `valid` split, and the
expected calibration error (ECE) that measures it.

Every model serves softmax(logits / T): the logits are the MSE head's scores, or the
log-probabilities of the softmax head (softmax(log p / T) = softmax(z / T) for the
pre-softmax z). T minimises the negative log-likelihood of the valid split's labels
(real held-out images of the train split, never the eval split). The ECE is the
blessing's (blessing/ece.py): the Trainer reports it before and after the temperature,
the Evaluators gate on it (blessing/ece_metric.py), with the same bins.
"""

from typing import NamedTuple

import numpy as np

from tfx_distill.blessing.ece import DEFAULT_BINS, ece

LOG_T_RANGE = (-7.0, 7.0)  # the temperatures searched: e^-7 .. e^7
GRID_POINTS = 141
REFINE_STEPS = 40


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
