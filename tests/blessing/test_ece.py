"""Expected calibration error against hand-computed values."""

import numpy as np
import pytest

from tfx_distill.blessing.ece import bin_statistics, expected_calibration_error


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
