"""TFMA EvalConfigs: what the Evaluators compute and which thresholds bless a model."""

from typing import Optional

import tensorflow_model_analysis as tfma

from components.example_format import LABEL_KEY, NUM_CLASSES
from pipeline.config import EvalConfig

ACCURACY = 'sparse_categorical_accuracy'


def _overall_threshold(threshold: tfma.MetricThreshold) -> tfma.PerSliceMetricThreshold:
  """The threshold applied to the overall slice only (per-label slices are reported,
  they do not decide the blessing)."""
  return tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                      threshold=threshold)


def eval_config(min_accuracy: float, max_drop: Optional[float]) -> tfma.EvalConfig:
  """Accuracy overall and per label, per-class recall and precision, expected
  calibration error, cross-entropy, the confusion matrix, example count.

  Blessing needs accuracy >= min_accuracy on the overall slice and, when max_drop is
  given and a baseline model is present, accuracy no more than max_drop below the
  baseline's. Without a baseline TFMA ignores the change threshold."""
  threshold = tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(lower_bound={'value': min_accuracy}))
  if max_drop is not None:
    threshold.change_threshold.CopyFrom(tfma.GenericChangeThreshold(
        direction=tfma.MetricDirection.HIGHER_IS_BETTER,
        absolute={'value': -max_drop}))
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key=LABEL_KEY, signature_name='serving_default',
                                  prediction_key='outputs')],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[LABEL_KEY])],
      metrics_specs=[
          tfma.MetricsSpec(
              metrics=[
                  tfma.MetricConfig(class_name='ExampleCount'),
                  tfma.MetricConfig(class_name='SparseCategoricalAccuracy',
                                    per_slice_thresholds=[_overall_threshold(threshold)]),
                  tfma.MetricConfig(class_name='SparseCategoricalCrossentropy'),
                  tfma.MetricConfig(class_name='MultiClassConfusionMatrixPlot'),
                  tfma.MetricConfig(class_name='ExpectedCalibrationError',
                                    module='pipeline.calibration'),
              ]),
          tfma.MetricsSpec(
              metrics=[tfma.MetricConfig(class_name='Recall'),
                       tfma.MetricConfig(class_name='Precision')],
              binarize=tfma.BinarizationOptions(
                  class_ids={'values': list(range(NUM_CLASSES))})),
      ])


def candidate_eval_config(config: EvalConfig) -> tfma.EvalConfig:
  """A distilled model against the full-data baseline."""
  return eval_config(config.candidate_min_accuracy, config.max_drop)


def full_eval_config(config: EvalConfig) -> tfma.EvalConfig:
  """The full-data model: an absolute floor, and no drop against the latest blessed
  full model when one exists (a re-run)."""
  return eval_config(config.full_min_accuracy, config.max_drop)
