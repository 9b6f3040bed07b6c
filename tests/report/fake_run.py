"""A synthetic pipeline root laid out like the local runner's, written in seconds:
TFMA evaluation outputs (metrics, plots, validations, eval_config.json), training.json,
blessings, pushed models, published sets, Examples and tiny serving models."""

import json
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_model_analysis as tfma
from google.protobuf import wrappers_pb2
from tensorflow_model_analysis.proto import (metrics_for_slice_pb2,
                                             validation_result_pb2)
from tensorflow_model_analysis.writers import eval_config_writer

from tfx_distill.contracts import identity
from tfx_distill.components.data_gate.spec import DataCheck
from tfx_distill.contracts.example_format import make_split, plain_label_vectors, write_split
from tfx_distill.components.report.collect import ArtifactRef
from tfx_distill.contracts.model_format import write_record

ACCURACY = 'sparse_categorical_accuracy'
ECE = 'expected_calibration_error'
MAX_ECE = 0.5


def _metric_key(name: str, model: str, is_diff: bool = False):
  return metrics_for_slice_pb2.MetricKey(
      name=name, model_name=model, is_diff=is_diff,
      example_weighted=wrappers_pb2.BoolValue(value=False))


def _double(value: float):
  return metrics_for_slice_pb2.MetricValue(double_value=wrappers_pb2.DoubleValue(value=value))


def _slice_key(label: Optional[int]):
  if label is None:
    return metrics_for_slice_pb2.SliceKey()
  return metrics_for_slice_pb2.SliceKey(single_slice_keys=[
      metrics_for_slice_pb2.SingleSliceKey(column='label', int64_value=label)])


def _write_records(path: str, messages) -> None:
  with tf.io.TFRecordWriter(path) as writer:
    for message in messages:
      writer.write(message.SerializeToString())


def write_evaluation(uri: str, accuracy: float, baseline_accuracy: Optional[float],
                     per_class: Sequence[float], floor: float,
                     max_drop: Optional[float], ece: float = 0.03,
                     max_ece: float = MAX_ECE) -> bool:
  """A TFMA output directory as the Evaluator writes it; returns whether it blesses
  (accuracy >= floor, with a baseline a drop of at most max_drop, ECE <= max_ece)."""
  os.makedirs(uri, exist_ok=True)
  has_baseline = baseline_accuracy is not None
  candidate = 'candidate' if has_baseline else ''
  threshold = tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(lower_bound={'value': floor}))
  if max_drop is not None:
    threshold.change_threshold.CopyFrom(tfma.GenericChangeThreshold(
        direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={'value': -max_drop}))
  specs = [tfma.ModelSpec(name=candidate, label_key='label', prediction_key='outputs')]
  if has_baseline:
    specs.append(tfma.ModelSpec(name='baseline', label_key='label',
                                prediction_key='outputs', is_baseline=True))
  ece_threshold = tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(upper_bound={'value': max_ece}))
  config = tfma.EvalConfig(model_specs=specs, metrics_specs=[tfma.MetricsSpec(metrics=[
      tfma.MetricConfig(class_name='SparseCategoricalAccuracy', per_slice_thresholds=[
          tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                       threshold=threshold)]),
      tfma.MetricConfig(class_name='ExpectedCalibrationError',
                        module='tfx_distill.blessing.ece_metric', per_slice_thresholds=[
          tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                       threshold=ece_threshold)])])])
  with open(os.path.join(uri, 'eval_config.json'), 'w') as handle:
    handle.write(eval_config_writer._serialize_eval_run(  # pylint: disable=protected-access
        config, '', 'tfrecord', {candidate: '/m', **({'baseline': '/b'} if has_baseline else {})}))
  entry = metrics_for_slice_pb2.MetricsForSlice(  # the overall slice only, as the
      slice_key=_slice_key(None))                # Evaluator writes it
  entry.metric_keys_and_values.add(key=_metric_key(ACCURACY, candidate),
                                   value=_double(accuracy))
  entry.metric_keys_and_values.add(key=_metric_key('example_count', candidate),
                                   value=_double(100.0))
  entry.metric_keys_and_values.add(key=_metric_key(ECE, candidate), value=_double(ece))
  if has_baseline:
    entry.metric_keys_and_values.add(key=_metric_key(ACCURACY, 'baseline'),
                                     value=_double(baseline_accuracy))
  _write_records(os.path.join(uri, 'metrics-00000-of-00001.tfrecord'), [entry])
  confusion = metrics_for_slice_pb2.PlotsForSlice(slice_key=_slice_key(None))
  matrix = confusion.plot_keys_and_values.add(
      key=metrics_for_slice_pb2.PlotKey(name='multi_class_confusion_matrix_plot',
                                        model_name=candidate)
  ).value.multi_class_confusion_matrix_at_thresholds.matrices.add()
  for label, share in enumerate(per_class):
    matrix.entries.add(actual_class_id=label, predicted_class_id=label,
                       num_weighted_examples=round(10 * share))
    matrix.entries.add(actual_class_id=label, predicted_class_id=(label + 1) % 10,
                       num_weighted_examples=10 - round(10 * share))
  _write_records(os.path.join(uri, 'plots-00000-of-00001.tfrecord'), [confusion])
  validation = validation_result_pb2.ValidationResult(validation_ok=True)
  failures = validation_result_pb2.MetricsValidationForSlice(slice_key=_slice_key(None))
  if accuracy < floor:
    failures.failures.add(metric_key=_metric_key(ACCURACY, candidate),
                          metric_threshold=tfma.MetricThreshold(
                              value_threshold=threshold.value_threshold),
                          metric_value=_double(accuracy))
  if has_baseline and max_drop is not None and accuracy - baseline_accuracy < -max_drop:
    failures.failures.add(metric_key=_metric_key(ACCURACY, candidate, is_diff=True),
                          metric_threshold=tfma.MetricThreshold(
                              change_threshold=threshold.change_threshold),
                          metric_value=_double(accuracy - baseline_accuracy))
  if ece > max_ece:
    failures.failures.add(metric_key=_metric_key(ECE, candidate),
                          metric_threshold=ece_threshold, metric_value=_double(ece))
  if failures.failures:
    validation.validation_ok = False
    validation.metric_validations_per_slice.append(failures)
  _write_records(os.path.join(uri, 'validations.tfrecord'), [validation])
  return validation.validation_ok


class _Tiny(tf.Module):
  """Scores each class by the image's correlation with a fixed random pattern."""

  def __init__(self, seed: int):
    super().__init__()
    self.weights = tf.constant(
        np.random.default_rng(seed).normal(size=(784, 10)).astype(np.float32))

  @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32, name='images')])
  def serve_images(self, images):
    return {'outputs': tf.nn.softmax(tf.reshape(images, (-1, 784)) @ self.weights)}


def export_tiny_model(directory: str, seed: int) -> None:
  module = _Tiny(seed)
  tf.saved_model.save(module, directory,
                      signatures={'serving_images': module.serve_images})


def digits(count_per_class: int, seed: int, learned: bool = False):
  """A Split of random images, count_per_class per class (labels in class order)."""
  rng = np.random.default_rng(seed)
  labels = np.repeat(np.arange(10), count_per_class)
  images = rng.uniform(0, 1, size=(len(labels), 28, 28)).astype(np.float32)
  vectors = plain_label_vectors(labels)
  if learned:
    vectors = vectors + rng.normal(0, 0.05, size=vectors.shape).astype(np.float32)
  return make_split(images, labels, vectors)


# training set -> accuracy per seed; the full model is the baseline of the others.
ACCURACIES = {'full': [0.97, 0.96], 'random_1': [0.55, 0.61], 'kip_1': [0.86, 0.90]}
FLOOR = 0.5
MAX_DROP = 0.2
# Learning curves (images processed, accuracy): the full model's rises from 50% at 100
# images to 90% at 1,000 and ends at its seed's accuracy at 2,000; a small set's ends at
# its accuracy at 200 (tests/report/test_executor.py checks the equal-work fields).
FULL_CURVE = ((100, 0.5), (147, 0.6), (215, 0.7), (316, 0.75), (464, 0.8), (681, 0.85),
              (1000, 0.9), (1468, 0.93))


def eval_curve(name: str, accuracy: float, fit_seconds: float) -> dict:
  """training.json's eval_curve of a fake run."""
  if name == 'full':
    points = [{'point': g, 'images_processed': g, 'steps': g // 250,
               'fit_seconds': fit_seconds * g / 2000, 'accuracy': a} for g, a in FULL_CURVE]
    end = 2000
  else:
    points = [{'point': g, 'images_processed': g, 'steps': g // 10,
               'fit_seconds': fit_seconds * g / 200, 'accuracy': accuracy * g / 200}
              for g in (100, 147)]
    end = 200
  points.append({'point': None, 'images_processed': end, 'steps': end // 10,
                 'fit_seconds': fit_seconds, 'accuracy': accuracy})
  return {'split': 'eval', 'first_point': 100, 'points_per_decade': 6, 'images': 30,
          'curve_seconds': 0.1, 'points': points}


# An anomaly the DataGate let through (--allow-anomalies), as it records it.
ALLOWED_ANOMALY = {
    'where': 'split eval vs train', 'feature': 'label', 'severity': 'ERROR',
    'short': 'High Linfty distance between training and serving',
    'description': 'The Linfty distance between training and serving is 0.12, above the '
                   'threshold 0.05. The feature value with maximum difference is: 1'}
# (training set, seed) -> expected calibration error, when not 0.03.
ECES = {('random_1', 1): 0.6}
# What each training set is (its artifacts' properties: contracts/identity.py).
SETS = {'full': identity.full(), 'random_1': identity.distilled('random', 1, reference=True),
        'kip_1': identity.distilled('kip', 1)}


def make_run(root: str) -> List[ArtifactRef]:
  """Writes a two-seed run of three training sets under root; returns its artifacts.

  random_1 fails the max drop (about 38 points below full > 20) and, with seed 1, the
  calibration bound too (ECE 0.6 > 0.5); kip_1 passes."""
  refs: List[ArtifactRef] = []
  execution = iter(range(1, 1000))

  def uri(node: str, key: str) -> str:
    path = os.path.join(root, node, key, str(next(execution)))
    os.makedirs(path, exist_ok=True)
    return path

  ingest = uri('Ingest', 'examples')
  write_split(ingest, 'eval', digits(3, seed=1))
  refs.append(ArtifactRef('Examples', ingest, {'source': 'synthetic'}))
  check = uri('DataGate', 'check')
  with open(os.path.join(check, 'data_check.json'), 'w', encoding='utf-8') as handle:
    json.dump({'schema': '/schemas/digits.pbtxt', 'source': 'synthetic',
               'allow_anomalies': True, 'drift': {'checked': True, 'ignored_baseline': ''},
               'anomalies': [ALLOWED_ANOMALY]}, handle)
  refs.append(ArtifactRef(DataCheck.TYPE_NAME, check, {'anomalies': 1}))
  for name, learned in (('random_1', False), ('kip_1', True)):
    distilled = uri(f'Distiller_{name}', 'distilled')
    write_split(distilled, 'train', digits(1, seed=2, learned=learned))
    refs.append(ArtifactRef('Examples', distilled, {
        **SETS[name].properties(),
        **({'steps': 312.0, 'stopped_by_budget': 1.0} if learned else {})}))
  for name, accuracies in ACCURACIES.items():
    blessings: Dict[int, bool] = {}
    for seed, accuracy in enumerate(accuracies):
      made_for = identity.model_properties(SETS[name], 'tfx-distill', seed)
      node = f'Trainer_{name}_s{seed}'
      model_run = uri(node, 'model_run')
      epochs = 2 if name == 'full' else 20
      images = 1000 if name == 'full' else 10
      steps = 8 if name == 'full' else 20
      fit_seconds = 10.0 + seed if name == 'full' else 1.0 + 0.5 * seed
      write_record(model_run, {
          'fit_seconds': fit_seconds,
          'eval_curve': eval_curve(name, accuracy, fit_seconds),
          'epochs_run': epochs, 'images': images, 'optimizer_steps': steps,
          'images_processed': 2000 if name == 'full' else 200,
          'passes': 2.0 if name == 'full' else 20.0,
          'calibration': {'temperature': 1.5 if name == 'full' else 0.05 + 0.01 * seed,
                          'valid_ece_before': 0.1 if name == 'full' else 0.7,
                          'valid_ece_after': 0.02 + 0.01 * seed},
          'history': {'loss': list(np.linspace(2, 0.5, epochs)),
                      'accuracy': list(np.linspace(0.1, accuracy, epochs))}})
      refs.append(ArtifactRef('ModelRun', model_run, made_for))
      model = uri(node, 'model')
      export_tiny_model(os.path.join(model, 'Format-Serving'), seed)
      refs.append(ArtifactRef('Model', model, made_for))
      evaluator = f'Evaluator_{name}_s{seed}'
      evaluation = uri(evaluator, 'evaluation')
      baseline = None if name == 'full' else ACCURACIES['full'][seed]
      blessed = write_evaluation(evaluation, accuracy, baseline,
                                 [min(1.0, accuracy + 0.01 * c) for c in range(10)],
                                 FLOOR, MAX_DROP, ECES.get((name, seed), 0.03))
      refs.append(ArtifactRef('ModelEvaluation', evaluation, made_for))
      blessing = uri(evaluator, 'blessing')
      open(os.path.join(blessing, 'BLESSED' if blessed else 'NOT_BLESSED'), 'w').close()
      refs.append(ArtifactRef('ModelBlessing', blessing, {**made_for,
                                                          'blessed': int(blessed)}))
      blessings[seed] = blessed
    pushed = uri(f'Pusher_{name}', 'pushed_model')
    refs.append(ArtifactRef('PushedModel', pushed, {
        **identity.model_properties(SETS[name], 'tfx-distill', 0),
        'pushed': int(blessings[0]),
        **({'pushed_destination': f'{root}/serving/{name}/1'} if blessings[0] else {})}))
    transfer = uri(f'Transfer_{name}', 'transfer')
    with open(os.path.join(transfer, 'transfer.json'), 'w', encoding='utf-8') as handle:
      json.dump({'mlp': {'what': 'mlp network', 'accuracies': [accuracies[0] - 0.05],
                         'images_processed': 200.0, 'fit_seconds': 1.0}}, handle)
    refs.append(ArtifactRef('tfx_distill.TransferResult', transfer, {
        **SETS[name].properties(), 'pipeline_name': 'tfx-distill'}))
    if name != 'full':
      published = uri(f'SetPublisher_{name}', 'published_set')
      where = {'published_to': f'{root}/distilled_sets/{name}/1'} if blessings[0] else {}
      refs.append(ArtifactRef('tfx_distill.PublishedSet', published, {
          **identity.model_properties(SETS[name], 'tfx-distill', 0),
          'published': int(blessings[0]), **where}))
  return refs
