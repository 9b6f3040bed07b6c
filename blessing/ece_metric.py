"""Expected calibration error (ECE) of a multi-class model, as a TFMA metric.

TFMA 0.47 has binary calibration metrics only. This one bins the top-1 confidence of
each example with ece.py (the functions the Trainer uses to report ECE before and after
its temperature), on the slices TFMA evaluates. Use it in an EvalConfig with
`tfma.MetricConfig(class_name='ExpectedCalibrationError',
module='tfx_distill.blessing.ece_metric')`; eval_config.py puts an upper bound on it
(`--max-ece`).
"""

from typing import Any, Dict, Iterable, Optional

import apache_beam as beam
import numpy as np
from tensorflow_model_analysis.metrics import metric_types, metric_util
from tensorflow_model_analysis.proto import config_pb2

from tfx_distill.blessing.ece import (DEFAULT_BINS, bin_statistics,
                                      expected_calibration_error)
from tfx_distill.blessing.multiclass_metrics import labelled_probabilities

ECE_NAME = 'expected_calibration_error'


class ExpectedCalibrationError(metric_types.Metric):
  """Top-1 expected calibration error with equal-width confidence bins."""

  def __init__(self, name: str = ECE_NAME, num_bins: int = DEFAULT_BINS):
    super().__init__(metric_util.merge_per_key_computations(_ece), name=name,
                     num_bins=num_bins)


metric_types.register_metric(ExpectedCalibrationError)


def _ece(name: str = ECE_NAME, num_bins: int = DEFAULT_BINS,
         eval_config: Optional[config_pb2.EvalConfig] = None, model_name: str = '',
         output_name: str = '', sub_key: Optional[metric_types.SubKey] = None,
         example_weighted: bool = False) -> metric_types.MetricComputations:
  key = metric_types.MetricKey(name=name, model_name=model_name, output_name=output_name,
                               sub_key=sub_key, example_weighted=example_weighted)
  return [metric_types.MetricComputation(
      keys=[key], preprocessors=None,
      combiner=_EceCombiner(key, eval_config, num_bins))]


class _EceCombiner(beam.CombineFn):
  """Accumulates per-bin statistics; extracts the ECE."""

  def __init__(self, key: metric_types.MetricKey,
               eval_config: Optional[config_pb2.EvalConfig], num_bins: int):
    self._key = key
    self._eval_config = eval_config
    self._num_bins = num_bins

  def create_accumulator(self) -> np.ndarray:
    return np.zeros((self._num_bins, 3))

  def add_input(self, accumulator: np.ndarray,
                element: metric_types.StandardMetricInputs) -> np.ndarray:
    for label, probabilities in labelled_probabilities(element, self._eval_config,
                                                       self._key):
      accumulator += bin_statistics(label, probabilities, self._num_bins)
    return accumulator

  def merge_accumulators(self, accumulators: Iterable[np.ndarray]) -> np.ndarray:
    return sum(accumulators, self.create_accumulator())

  def extract_output(self, accumulator: np.ndarray) -> Dict[metric_types.MetricKey, Any]:
    return {self._key: expected_calibration_error(accumulator)}
