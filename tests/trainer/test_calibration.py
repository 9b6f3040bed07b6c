"""The temperature fit, and the ECE it lowers."""

import numpy as np
import pytest

from tfx_distill.trainer.calibration import calibrate, fit_temperature, nll


def sampled(temperature: float, count: int = 20_000, seed: int = 0):
  """Logits and labels drawn from softmax(logits / temperature): the true T is known."""
  rng = np.random.default_rng(seed)
  logits = rng.normal(0.0, 3.0, (count, 10))
  scaled = logits / temperature
  probs = np.exp(scaled - scaled.max(1, keepdims=True))
  probs /= probs.sum(1, keepdims=True)
  labels = np.array([rng.choice(10, p=p) for p in probs])
  return logits, labels


@pytest.mark.parametrize('true_t', [0.05, 1.0, 4.0])
def test_fit_recovers_the_temperature_that_made_the_labels(true_t):
  logits, labels = sampled(true_t)
  assert fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.05)


def test_calibrate_lowers_ece_and_nll_of_miscalibrated_scores():
  # MSE-head-like scores: right argmax mostly, but a span of about 1, so that
  # softmax(scores) is far too flat (the KIP 50 model's ECE of 77%).
  logits, labels = sampled(0.05, count=5_000, seed=1)
  result = calibrate(logits * 0.05 / 3.0, labels)
  assert result.valid_ece_before > 0.5 and result.valid_ece_after < 0.03
  assert result.valid_nll_after < result.valid_nll_before
  assert result.temperature == pytest.approx(0.05 * 0.05 / 3.0, rel=0.15)
  assert result.valid_nll_after == pytest.approx(
      nll(logits * 0.05 / 3.0, labels, result.temperature))
  assert result.valid_images == 5_000
