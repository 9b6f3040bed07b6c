"""Top-1 accuracy and cross-entropy (log loss) of a multi-class model on integer labels,
as TFMA metrics in plain NumPy, with Keras' names and values.

Keras' SparseCategoricalAccuracy and SparseCategoricalCrossentropy through TFMA's
TF-metric wrapper cost about 6 s of AutoGraph conversion in every Evaluator
(bench/evaluator_cost.py); TFMA's own CategoricalCrossEntropy takes one-hot labels.
In an EvalConfig: `tfma.MetricConfig(class_name='SparseCategoricalAccuracy',
module='tfx_distill.blessing.multiclass_metrics')` (the class name and the metric's
key, `sparse_categorical_accuracy`, stay Keras'; so do the thresholds' and the report's
reading of them). They are not registered with TFMA: a config without the module still
means Keras' metric.
"""

from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple

import apache_beam as beam
import numpy as np
from tensorflow_model_analysis.metrics import metric_types, metric_util
from tensorflow_model_analysis.proto import config_pb2

ACCURACY_NAME = 'sparse_categorical_accuracy'
LOG_LOSS_NAME = 'sparse_categorical_crossentropy'
EPSILON = 1e-7  # Keras' clip of the probabilities


def top1_correct(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
  """1.0 where a row's largest probability is at its label (the first on ties, as
  Keras' argmax), else 0.0."""
  return (np.argmax(probabilities, axis=1) == labels.astype(int)).astype(np.float64)


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
  """-log p[label] of each row, probabilities clipped to [EPSILON, 1 - EPSILON] as Keras
  clips them."""
  picked = probabilities[np.arange(len(labels)), labels.astype(int)]
  return -np.log(np.clip(picked, EPSILON, 1 - EPSILON))


def labelled_probabilities(element: metric_types.StandardMetricInputs,
                           eval_config: Optional[config_pb2.EvalConfig],
                           key: metric_types.MetricKey) -> Iterator[Tuple[np.ndarray,
                                                                          np.ndarray]]:
  """(label (1,), probabilities (1, classes)) of each example of a TFMA input, the label
  an integer class (a one-hot or score vector's argmax); skips examples without both."""
  for label, prediction, _ in metric_util.to_label_prediction_example_weight(
      element, eval_config=eval_config, model_name=key.model_name,
      output_name=key.output_name, flatten=False, allow_none=True):
    if label is None or prediction is None:
      continue
    label = np.asarray(label).reshape(-1)
    cls = int(label[0]) if label.size == 1 else int(np.argmax(label))
    yield np.array([cls]), np.asarray(prediction, np.float64).reshape(1, -1)


class _MeanCombiner(beam.CombineFn):
  """The mean of per_example(labels, probabilities) over a slice's examples."""

  def __init__(self, key: metric_types.MetricKey,
               eval_config: Optional[config_pb2.EvalConfig],
               per_example: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    self._key = key
    self._eval_config = eval_config
    self._per_example = per_example

  def create_accumulator(self) -> np.ndarray:
    return np.zeros(2)  # sum, count

  def add_input(self, accumulator: np.ndarray,
                element: metric_types.StandardMetricInputs) -> np.ndarray:
    for label, probabilities in labelled_probabilities(element, self._eval_config,
                                                       self._key):
      accumulator += (self._per_example(label, probabilities)[0], 1.0)
    return accumulator

  def merge_accumulators(self, accumulators: Iterable[np.ndarray]) -> np.ndarray:
    return sum(accumulators, self.create_accumulator())

  def extract_output(self, accumulator: np.ndarray) -> Dict[metric_types.MetricKey, Any]:
    total, count = accumulator
    return {self._key: total / count if count else float('nan')}


def _computations(per_example):
  def computations(name: str, eval_config: Optional[config_pb2.EvalConfig] = None,
                   model_name: str = '', output_name: str = '',
                   sub_key: Optional[metric_types.SubKey] = None,
                   example_weighted: bool = False) -> metric_types.MetricComputations:
    key = metric_types.MetricKey(name=name, model_name=model_name,
                                 output_name=output_name, sub_key=sub_key,
                                 example_weighted=example_weighted)
    return [metric_types.MetricComputation(
        keys=[key], preprocessors=None,
        combiner=_MeanCombiner(key, eval_config, per_example))]
  return computations


class SparseCategoricalAccuracy(metric_types.Metric):
  """The share of examples whose top-1 class is the label."""

  def __init__(self, name: str = ACCURACY_NAME):
    super().__init__(metric_util.merge_per_key_computations(_computations(top1_correct)),
                     name=name)


class SparseCategoricalCrossentropy(metric_types.Metric):
  """Mean -log p[label] (the log loss)."""

  def __init__(self, name: str = LOG_LOSS_NAME):
    super().__init__(metric_util.merge_per_key_computations(_computations(log_loss)),
                     name=name)
