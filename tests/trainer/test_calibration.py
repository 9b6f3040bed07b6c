"""Expected calibration error against hand-computed values, and the temperature fit."""

import numpy as np
import pytest

from tfx_distill.trainer.calibration import (bin_statistics, calibrate,
                                             expected_calibration_error, fit_temperature,
                                             nll)


def test_perfectly_calibrated_and_overconfident():
  # Confidence 0.75 on 4 examples, 3 correct: calibrated, ECE 0.
  probs = np.array([[0.75, 0.25]] * 4)
  assert expected_calibration_error(bin_statistics(np.array([0, 0, 0, 1]), probs)) == 0.0
  # Confidence 0.95 on 2 examples, 1 correct: ECE |0.5 - 0.95| = 0.45.
  probs = np.array([[0.95, 0.05]] * 2)
  assert expected_calibration_error(bin_statistics(np.array([0, 1]), probs)) == \
      pytest.approx(0.45)


def test_bins_are_weighted_by_their_share():
  labels = np.array([0, 1, 2])
  probs = np.array([[0.35, 0.33, 0.32],   # bin 3, correct
                    [0.9, 0.05, 0.05],    # bin 9, wrong
                    [0.1, 0.1, 0.8]])     # bin 8, correct
  stats = bin_statistics(labels, probs)
  assert stats[:, 0].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 1, 1]
  expected = (abs(1 - 0.35) + abs(0 - 0.9) + abs(1 - 0.8)) / 3
  assert expected_calibration_error(stats) == pytest.approx(expected)
  assert np.isnan(expected_calibration_error(np.zeros((10, 3))))


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
