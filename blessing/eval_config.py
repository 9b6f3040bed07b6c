"""TFMA EvalConfigs: what the Evaluators compute and which thresholds bless a model,
and the same thresholds set to a run's values (`with_thresholds`, what every Evaluator
applies to its own parameters, runtime parameters on Kubeflow and Vertex:
components/evaluation/).

Every threshold applies to the overall slice, the only one (per-class accuracy comes
from the confusion matrix and is reported, not gated):

- accuracy >= a floor (`--full-min-accuracy`, `--candidate-min-accuracy`);
- a candidate: accuracy at most `--max-drop` below this run's full-data model;
- the full-data model: no drop against the latest blessed full model (a change
  threshold of -`--full-max-drop`, 0 by default: equal or better), checked once one
  exists; without a baseline TFMA skips change thresholds;
- expected calibration error (blessing/ece_metric.py) <= `--max-ece`, an upper-bound
  value threshold on the custom metric.
"""

from typing import Optional

import tensorflow_model_analysis as tfma

from tfx_distill.contracts.example_format import LABEL_KEY
from tfx_distill.contracts.model_format import OUTPUT_KEY, SERVING_EXAMPLES
from tfx_distill.blessing import ece_metric, multiclass_metrics
from tfx_distill.blessing.settings import EvalSettings

ACCURACY = multiclass_metrics.ACCURACY_NAME
ACCURACY_METRIC = 'SparseCategoricalAccuracy'  # its class (Keras' name, NumPy here)


def _overall_threshold(threshold: tfma.MetricThreshold) -> tfma.PerSliceMetricThreshold:
  """The threshold applied to the overall slice only (per-label slices are reported,
  they do not decide the blessing)."""
  return tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                      threshold=threshold)


def eval_config(min_accuracy: float, max_drop: Optional[float],
                max_ece: Optional[float] = None) -> tfma.EvalConfig:
  """Accuracy, expected calibration error, cross-entropy, the confusion matrix and the
  example count, on the whole eval split. Per-class accuracy (recall) is read off the
  confusion matrix (blessing/result.py), not computed again (precision is its columns
  the same way; nothing reads it); accuracy and
  cross-entropy are NumPy metrics (multiclass_metrics.py). With Keras' metrics, a slice
  per label and binarized metrics for ten classes, an evaluation took 43 s instead of
  11-12 s (two models, 2,000 digits: bench/evaluator_cost.py).

  Blessing needs, on the overall slice, accuracy >= min_accuracy; when max_drop is
  given and a baseline model is present, accuracy no more than max_drop below the
  baseline's (without a baseline TFMA ignores the change threshold); when max_ece is
  given, an expected calibration error <= max_ece."""
  threshold = tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(lower_bound={'value': min_accuracy}))
  if max_drop is not None:
    threshold.change_threshold.CopyFrom(tfma.GenericChangeThreshold(
        direction=tfma.MetricDirection.HIGHER_IS_BETTER,
        absolute={'value': -max_drop}))
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key=LABEL_KEY, signature_name=SERVING_EXAMPLES,
                                  prediction_key=OUTPUT_KEY)],
      slicing_specs=[tfma.SlicingSpec()],
      metrics_specs=[
          tfma.MetricsSpec(
              metrics=[
                  tfma.MetricConfig(class_name='ExampleCount'),
                  tfma.MetricConfig(class_name=ACCURACY_METRIC,
                                    module=multiclass_metrics.__name__,
                                    per_slice_thresholds=[_overall_threshold(threshold)]),
                  tfma.MetricConfig(class_name='SparseCategoricalCrossentropy',
                                    module=multiclass_metrics.__name__),
                  tfma.MetricConfig(class_name='MultiClassConfusionMatrixPlot'),
                  tfma.MetricConfig(class_name=ece_metric.ExpectedCalibrationError.__name__,
                                    module=ece_metric.__name__,
                                    per_slice_thresholds=ece_thresholds(max_ece)),
              ]),
      ])


def ece_thresholds(max_ece: Optional[float]) -> list:
  """An upper bound on the expected calibration error, overall; none when max_ece is
  None."""
  if max_ece is None:
    return []
  return [_overall_threshold(tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(upper_bound={'value': max_ece})))]


def candidate_eval_config(config: EvalSettings) -> tfma.EvalConfig:
  """A small-set model against this run's full-data model (the baseline)."""
  return eval_config(config.candidate_min_accuracy, config.max_drop, config.max_ece)


def full_eval_config(config: EvalSettings) -> tfma.EvalConfig:
  """The full-data model: an absolute floor, a calibration bound, and no drop (beyond
  `full_max_drop`) against the latest blessed full model when one exists."""
  return eval_config(config.full_min_accuracy, config.full_max_drop, config.max_ece)


def with_thresholds(eval_config: tfma.EvalConfig, min_accuracy: float,
                    max_drop: float) -> tfma.EvalConfig:
  """A copy of eval_config whose accuracy thresholds are these: its value threshold's
  lower bound min_accuracy, its change threshold a drop of at most max_drop. The other
  metrics' thresholds (the calibration bound) stay as they are."""
  config = tfma.EvalConfig()
  config.CopyFrom(eval_config)
  for metrics_spec in config.metrics_specs:
    for metric in metrics_spec.metrics:
      if metric.class_name != ACCURACY_METRIC:
        continue
      thresholds = [t.threshold for t in metric.per_slice_thresholds]
      thresholds += [t.threshold for t in metric.cross_slice_thresholds]
      if metric.HasField('threshold'):
        thresholds.append(metric.threshold)
      for threshold in thresholds:
        if threshold.HasField('value_threshold'):
          threshold.value_threshold.lower_bound.value = min_accuracy
        if threshold.HasField('change_threshold'):
          threshold.change_threshold.absolute.value = -max_drop
  return config
