"""TFMA EvalConfigs: what the Evaluators compute and which thresholds bless a model."""

from typing import Optional

import tensorflow_model_analysis as tfma

from tfx_distill.components.example_format import LABEL_KEY, NUM_CLASSES
from tfx_distill.components.model_format import OUTPUT_KEY, SERVING_EXAMPLES
from tfx_distill.pipeline import calibration
from tfx_distill.pipeline.config import EvalSettings

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
      model_specs=[tfma.ModelSpec(label_key=LABEL_KEY, signature_name=SERVING_EXAMPLES,
                                  prediction_key=OUTPUT_KEY)],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[LABEL_KEY])],
      metrics_specs=[
          tfma.MetricsSpec(
              metrics=[
                  tfma.MetricConfig(class_name='ExampleCount'),
                  tfma.MetricConfig(class_name='SparseCategoricalAccuracy',
                                    per_slice_thresholds=[_overall_threshold(threshold)]),
                  tfma.MetricConfig(class_name='SparseCategoricalCrossentropy'),
                  tfma.MetricConfig(class_name='MultiClassConfusionMatrixPlot'),
                  tfma.MetricConfig(class_name=calibration.ExpectedCalibrationError.__name__,
                                    module=calibration.__name__),
              ]),
          tfma.MetricsSpec(
              metrics=[tfma.MetricConfig(class_name='Recall'),
                       tfma.MetricConfig(class_name='Precision')],
              binarize=tfma.BinarizationOptions(
                  class_ids={'values': list(range(NUM_CLASSES))})),
      ])


def candidate_eval_config(config: EvalSettings) -> tfma.EvalConfig:
  """A distilled model against the full-data baseline."""
  return eval_config(config.candidate_min_accuracy, config.max_drop)


def full_eval_config(config: EvalSettings) -> tfma.EvalConfig:
  """The full-data model: an absolute floor, and no drop against the latest blessed
  full model when one exists (a re-run)."""
  return eval_config(config.full_min_accuracy, config.max_drop)
