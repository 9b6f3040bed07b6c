"""The `smoke` preset end to end on LocalDagRunner, run as a user runs it (the CLI in a
subprocess: `smoke_run`, made once per test session by tests/shared.py and read by
tests/kubeflow/test_image_run.py too), and the CLI's handling of bad input and bad
config. Tests that run the pipeline again do it on a copy of the run's root."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tfx_distill.blessing.multiclass_metrics import log_loss
from tfx_distill.blessing.result import read_evaluation
from tfx_distill.components.distiller.spec import KipSet
from tfx_distill.pipeline.config import preset
from tfx_distill.pipeline.local_runner import local_paths
from tests.shared import SMOKE_MAX_DROP, SMOKE_TRANSFER, write_published_kip_set

CLI = [sys.executable, '-m', 'tfx_distill.pipeline.cli']
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(*args, timeout=900):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
  return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout,
                        env=env, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))


def metadata_store(root):
  from ml_metadata import metadata_store  # pylint: disable=g-import-not-at-top
  from tfx.orchestration import metadata  # pylint: disable=g-import-not-at-top
  return metadata_store.MetadataStore(
      metadata.sqlite_metadata_connection_config(local_paths(root).metadata_path))


def artifacts_of(store, type_name, node):
  return [a for a in store.get_artifacts_by_type(type_name) if f'/{node}/' in a.uri]


def eval_split(root):
  """The first run's eval split (images, labels), read back from its Examples."""
  from tfx_distill.contracts.example_format import read_split  # pylint: disable=g-import-not-at-top
  ingested, = artifacts_of(metadata_store(root), 'Examples', 'Ingest')
  split = read_split(ingested.uri, 'eval')
  return split.images, split.labels


def served_probabilities(model_uri, images):
  """What the Trainer's exported model serves for real images (serving_images)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  loaded = tf.saved_model.load(os.path.join(model_uri, 'Format-Serving'))
  return loaded.signatures['serving_images'](
      images=tf.constant(images[..., None]))['outputs'].numpy()


def top1_ece(labels, probabilities, bins=10):
  """ECE written out here: |accuracy - confidence| per equal-width bin, weighted."""
  confidence, predicted = probabilities.max(1), probabilities.argmax(1)
  index = np.minimum((confidence * bins).astype(int), bins - 1)
  return sum((index == b).sum() * abs((predicted == labels)[index == b].mean()
                                      - confidence[index == b].mean())
             for b in range(bins) if (index == b).any()) / len(labels)


def test_every_execution_completes(smoke_run):
  from ml_metadata.proto import metadata_store_pb2  # pylint: disable=g-import-not-at-top
  root, result = smoke_run.root, smoke_run.result
  assert f'pipeline root: {local_paths(root).pipeline_root}' in result.stdout
  # The nfr and KIP Distillers' progress on the terminal (smoke: 5 steps each).
  assert '] step 5/5 loss ' in result.stderr and ' elapsed, ETA ' in result.stderr
  store = metadata_store(root)
  executions = store.get_executions()
  done = {metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED}
  assert executions and all(e.last_known_state in done for e in executions)
  types = {store.get_execution_types_by_id([e.type_id])[0].name for e in executions}
  for expected in ('Ingest', 'StatisticsGen', 'SchemaGen', 'ExampleValidator',
                   'Distiller', 'Trainer', 'Evaluator', 'Pusher'):
    assert any(expected in name for name in types), (expected, types)
  from tfx_distill.contracts import kip_format  # pylint: disable=g-import-not-at-top
  for method in ('nfr', 'kip'):
    kip_sets = [a for a in store.get_artifacts_by_type(KipSet.TYPE_NAME)
                if f'Distiller_{method}_1' in a.uri]
    assert len(kip_sets) == 1, method
    kip = kip_format.load(os.path.join(kip_sets[0].uri, 'kip_set.npz'))
    assert kip.images.shape == (10, 28, 28, 1) and kip.labels.shape == (10, 10)
    # The set records its method's settings (what the SetPublisher publishes).
    settings = json.loads(kip_sets[0].custom_properties['distill_settings'].string_value)
    assert settings['steps'] == 5 and kip_sets[0].custom_properties['steps'].double_value == 5
    assert ('width' in settings) == (method == 'kip')
    assert ('keep_best' in settings) == (method == 'nfr')


def test_imported_kip_set_keeps_its_learned_labels(smoke_run, tmp_path):
  from tfx_distill.contracts.example_format import read_split  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  imported = [a for a in metadata_store(root).get_artifacts_by_type('Examples')
              if '/KipImport_0/' in a.uri]
  assert len(imported) == 1
  split = read_split(imported[0].uri, 'train')
  expected = write_published_kip_set(str(tmp_path / 'again.npz'))
  np.testing.assert_allclose(split.label_vectors, expected, atol=1e-6)
  assert 0.0 <= split.images.min() and split.images.max() <= 1.0 + 1e-6


def test_evaluator_compares_candidate_with_full_baseline(smoke_run):
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  store = metadata_store(root)
  candidate, = artifacts_of(store, 'ModelEvaluation', 'Evaluator_random_1_s0')
  result = tfma.load_eval_result(candidate.uri, model_name='candidate')
  baseline = tfma.load_eval_result(candidate.uri, model_name='baseline')
  assert [tuple(s) for s, _ in result.slicing_metrics] == [()]  # one slice: the split
  overall = dict(result.slicing_metrics)[()]['']['']
  accuracy = overall['sparse_categorical_accuracy']['doubleValue']
  full_accuracy = dict(baseline.slicing_metrics)[()]['']['']['sparse_categorical_accuracy']
  # TFMA's figures are those of the models the Trainers exported, on the eval split.
  images, labels = eval_split(root)
  models = {name: artifacts_of(store, 'Model', f'Trainer_{name}_s0')[0].uri
            for name in ('random_1', 'full')}
  random_1 = served_probabilities(models['random_1'], images)
  full = served_probabilities(models['full'], images)
  assert accuracy == pytest.approx(np.mean(random_1.argmax(1) == labels), abs=1e-6)
  assert full_accuracy['doubleValue'] == pytest.approx(np.mean(full.argmax(1) == labels),
                                                       abs=1e-6)
  assert overall['expected_calibration_error']['doubleValue'] == pytest.approx(
      top1_ece(labels, random_1), abs=1e-6)
  assert overall['sparse_categorical_crossentropy']['doubleValue'] == pytest.approx(
      np.mean(log_loss(labels, random_1.astype(np.float64))), abs=1e-5)
  # Per-class accuracy, read off TFMA's confusion matrix, is the served model's.
  read = read_evaluation(candidate.uri)
  present = [c for c in range(10) if np.any(labels == c)]
  assert [read.per_class_accuracy[c] for c in present] == pytest.approx(
      [np.mean(random_1.argmax(1)[labels == c] == c) for c in present], abs=1e-6)
  # One image per class is far from the full train split, which the floor blessed.
  assert full_accuracy['doubleValue'] > max(0.5, accuracy + 0.1)
  assert overall['sparse_categorical_accuracy_diff']['doubleValue'] == pytest.approx(
      accuracy - full_accuracy['doubleValue'], abs=1e-6)


def test_models_are_calibrated_on_valid(smoke_run):
  """The imported set's learned labels train the MSE head, whose softmax(scores) is far
  too flat; the temperature fitted on valid brings the eval ECE down."""
  from tfx_distill.contracts.model_format import read_record  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  store = metadata_store(root)
  images, labels = eval_split(root)
  for name in ('full', 'random_1', 'kipset_0'):
    run_uri, = [a.uri for a in artifacts_of(store, 'ModelRun', f'Trainer_{name}_s0')]
    record = read_record(run_uri)
    calibration = record['calibration']
    assert calibration['valid_images'] == 160  # 10% of the 1,600 non-eval digits
    assert calibration['valid_nll_after'] < calibration['valid_nll_before']
    served = served_probabilities(
        artifacts_of(store, 'Model', f'Trainer_{name}_s0')[0].uri, images)
    # Undo the temperature: softmax(T * log p) is what was served before calibration.
    logits = calibration['temperature'] * np.log(np.maximum(served, 1e-30))
    uncalibrated = np.exp(logits - logits.max(1, keepdims=True))
    uncalibrated /= uncalibrated.sum(1, keepdims=True)
    assert calibration['valid_ece_after'] < calibration['valid_ece_before'], name
    assert top1_ece(labels, served) < top1_ece(labels, uncalibrated), name
  assert record['label_loss'] == 'mse'  # kipset_0's learned labels: the MSE head


def test_training_follows_the_recipe_and_shows_progress(smoke_run):
  from tfx_distill.contracts.model_format import read_record  # pylint: disable=g-import-not-at-top
  root, result = smoke_run.root, smoke_run.result
  store = metadata_store(root)
  records = {name: read_record(artifacts_of(store, 'ModelRun', f'Trainer_{name}_s0')[0].uri)
             for name in ('full', 'random_1', 'nfr_1', 'kip_1', 'kipset_0')}
  # Distilled and imported sets: 30 steps at a batch of all 10 images (smoke recipe).
  for name in ('random_1', 'nfr_1', 'kip_1', 'kipset_0'):
    record = records[name]
    assert (record['images'], record['optimizer_steps'], record['global_batch_size'],
            record['images_processed']) == (10, 30, 10, 300), name
  full = records['full']
  assert full['regime'] == 'epochs' and full['images'] == 1_440
  assert full['optimizer_steps'] == 6 * full['epochs_run']  # ceil(1,440 / 250) each
  assert full['early_stopping']['monitor'] == 'val_loss'
  # Every progress line is in the run's log; the terminal shows each Trainer's last.
  (log_path,) = [line.split(': ', 1)[1] for line in result.stdout.splitlines()
                 if line.startswith('log: ')]
  with open(log_path, encoding='utf-8') as f:
    log = f.read()
  for line in ('Trainer_full_s0 epoch 1/2 loss', 'Trainer_kipset_0_s0 step 30/30 loss',
               'Trainer_random_1_s0 step 30/30 loss'):
    assert line in log, line
  for line in ('Trainer_kipset_0_s0 step 30/30 loss', 'Trainer_random_1_s0 step 30/30 loss'):
    assert line in result.stderr, line
  # Every Trainer read its examples with the imported, established schema.
  schema, = artifacts_of(store, 'Schema', 'ImportSchemaGen')
  trainers = [e for e in store.get_executions()
              if 'Trainer' in store.get_execution_types_by_id([e.type_id])[0].name]
  assert len(trainers) == 7  # full, full_same_steps, full_3x_steps, 4 small sets
  for execution in trainers:
    events = store.get_events_by_execution_ids([execution.id])
    assert schema.id in {e.artifact_id for e in events if e.type == e.INPUT}


def test_report_sets_every_small_set_against_the_full_data_at_equal_work(smoke_run):
  from tfx_distill.contracts.learning_curve import grid, images_to_accuracy  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.model_format import read_record  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.report.equal_work import mean_curve  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  store = metadata_store(root)
  report, = artifacts_of(store, 'tfx_distill.Report', 'Report')
  with open(os.path.join(report.uri, 'summary.json'), encoding='utf-8') as handle:
    rows = {row['training_set']: row for row in json.load(handle)['rows']}
  records = {name: read_record(artifacts_of(store, 'ModelRun', f'Trainer_{name}_s0')[0].uri)
             for name in rows}
  # Every Trainer recorded its learning curve on the eval split, at the same grid: each
  # grid point measured within a batch after it (one measurement when a step passes
  # several), and the end.
  for name, record in records.items():
    points = record['eval_curve']['points']
    assert record['eval_curve']['images'] == 400  # the smoke run's eval split
    recorded = [p['point'] for p in points[:-1]]
    assert set(recorded) <= set(grid(record['images_processed'])), name
    for point in grid(record['images_processed']):
      assert any(point <= p['images_processed'] < point + record['global_batch_size']
                 for p in points), (name, point)
    assert points[-1]['images_processed'] == record['images_processed']
    assert record['eval_curve']['curve_seconds'] > 0
  # full_same_steps: the full train split with the small sets' 30-step recipe.
  assert records['full_same_steps']['images'] == 1_440
  assert records['full_same_steps']['optimizer_steps'] == 30
  assert records['full_same_steps']['plan'] == {
      **records['random_1']['plan'], 'images': 1_440,
      'batch_size': preset('smoke').small_sets.batch_size}
  assert 'full_same_steps' not in {a.uri.split('/Pusher_')[1].split('/')[0]
                                   for a in store.get_artifacts_by_type('PushedModel')}
  # full_3x_steps: the same recipe for three times the work, its own schedule; its row's
  # accuracy is its curve's end (no Evaluator).
  assert records['full_3x_steps']['optimizer_steps'] == 90
  assert records['full_3x_steps']['plan']['steps'] == 90
  assert not artifacts_of(store, 'ModelEvaluation', 'Evaluator_full_3x_steps_s0')
  assert rows['full_3x_steps']['accuracy'] == (
      records['full_3x_steps']['eval_curve']['points'][-1]['accuracy'])
  # --small-seeds 2 (tests/shared.py): every set at a small set's work trained twice in
  # its Trainer, the second with seed + 1000; the row is over both (its curve the mean
  # of the two); the full model and the longer full-data run train once.
  def trainings(name):
    return [records[name]] + records[name]['other_seeds']
  for name, row in rows.items():
    once = name in ('full', 'full_3x_steps')
    assert [o['seed'] for o in records[name]['other_seeds']] == ([] if once else [1000])
    assert row['accuracies'][1:] == [o['accuracy'] for o in records[name]['other_seeds']]
  nfr = rows['nfr_1']
  assert nfr['accuracy'] == pytest.approx(sum(nfr['accuracies']) / 2)
  # The first is TFMA's accuracy of the exported model: its training's curve end (to
  # one image of 400).
  assert nfr['accuracies'][0] == pytest.approx(
      records['nfr_1']['eval_curve']['points'][-1]['accuracy'], abs=1.01 / 400)
  full_curves = {name: mean_curve([t['eval_curve']['points'] for t in trainings(name)])
                 for name in ('full', 'full_same_steps', 'full_3x_steps')}
  for name in ('random_1', 'nfr_1', 'kip_1', 'kipset_0'):
    row = rows[name]
    assert row['images_processed'] == records[name]['images_processed']
    reached = [i for i in (images_to_accuracy(c, row['accuracy'])
                           for c in full_curves.values()) if i is not None]
    if reached:
      assert row['full_images_to_accuracy'] == pytest.approx(min(reached))
      assert row['speedup_to_accuracy'] == pytest.approx(
          min(reached) / row['images_processed'])
      assert row['faster_than_full'] == (min(reached) > row['images_processed'])
    else:
      assert row['full_images_to_accuracy'] is None
      assert row['faster_than_full'] is None  # not compared: every full curve stopped short
      assert 'no full-data run reaches' in row['full_images_to_accuracy_reason']
  assert rows['kip_1']['images'] == 10 and rows['kip_1']['images_processed'] == 300
  assert rows['full']['images'] == 1_440 and rows['full']['speedup_to_accuracy'] is None
  with open(os.path.join(report.uri, 'summary.md'), encoding='utf-8') as handle:
    text = handle.read()
  assert '- random_1: ' in text and '- kip_1: ' in text  # the verdicts, in words


def test_every_small_set_and_full_same_steps_trained_on_the_transfer_networks(smoke_run):
  """--architectures mlp (tests/shared.py): a Transfer node per small set and for
  full_same_steps, its result in the report, the MLP trained with the sets' recipe."""
  store = metadata_store(smoke_run.root)
  report, = artifacts_of(store, 'tfx_distill.Report', 'Report')
  with open(os.path.join(report.uri, 'summary.json'), encoding='utf-8') as handle:
    summary = json.load(handle)
  expected = {'full_same_steps', 'random_1', 'nfr_1', 'kip_1', 'kipset_0'}
  assert set(summary['transfer']) == expected
  for name in expected:
    result, = artifacts_of(store, 'tfx_distill.TransferResult', f'Transfer_{name}')
    assert result.custom_properties['training_set'].string_value == name
    with open(os.path.join(result.uri, 'transfer.json'), encoding='utf-8') as handle:
      trained = json.load(handle)
    assert trained == summary['transfer'][name] and list(trained) == [SMOKE_TRANSFER]
    mlp = trained[SMOKE_TRANSFER]
    assert len(mlp['accuracies']) == 1 and 0.0 <= mlp['accuracies'][0] <= 1.0
    assert mlp['images_processed'] == 300  # the sets' 30 steps at batch 10
  with open(os.path.join(report.uri, 'index.html'), encoding='utf-8') as handle:
    assert 'mlp network' in handle.read()


def test_blessing_gate_pushes_only_blessed_models(smoke_run):
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  store = metadata_store(root)
  serving = local_paths(root).serving_root
  blessed = {}
  for evaluation in store.get_artifacts_by_type('ModelEvaluation'):
    name = evaluation.uri.split('/Evaluator_')[1].split('/')[0].rsplit('_s', 1)[0]
    validation = tfma.load_validation_result(evaluation.uri)
    blessed[name] = validation.validation_ok
    if not validation.validation_ok:
      failed = {(f.metric_key.name, f.metric_key.is_diff)
                for v in validation.metric_validations_per_slice for f in v.failures}
      assert ('sparse_categorical_accuracy', True) in failed, failed
  assert set(blessed) == {'full', 'full_same_steps', 'random_1', 'nfr_1', 'kip_1',
                          'kipset_0'}
  assert blessed['full'] and not blessed['random_1']
  blessed.pop('full_same_steps')  # evaluated as a baseline, never pushed
  pushes = {a.uri.split('/Pusher_')[1].split('/')[0]: a.custom_properties['pushed'].int_value
            for a in store.get_artifacts_by_type('PushedModel')}
  assert pushes == {name: int(ok) for name, ok in blessed.items()}
  for name, ok in blessed.items():
    versions = os.listdir(os.path.join(serving, name)) if ok else []
    assert len(versions) == int(ok) and not (not ok and os.path.exists(
        os.path.join(serving, name)))
  check_published_sets(store, root, blessed)


def overall_accuracy(evaluation_uri):
  """The candidate's accuracy on the overall slice, from TFMA's metrics file."""
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  for metrics in tfma.load_metrics(evaluation_uri):
    if not metrics.slice_key.single_slice_keys:
      for entry in metrics.metric_keys_and_values:
        if (entry.key.name == 'sparse_categorical_accuracy' and not entry.key.is_diff
            and entry.key.model_name == 'candidate'):
          return entry.value.double_value.value
  return None


def check_published_sets(store, root, blessed):
  """A distilled candidate's set is published iff its seed-0 model was blessed: the
  Distiller's .npz byte for byte, in the pushed model's version, with its record."""
  paths = local_paths(root)
  published = {a.uri.split('/SetPublisher_')[1].split('/')[0]: a
               for a in store.get_artifacts_by_type('tfx_distill.PublishedSet')}
  # Not full, not the imported kipset_0.
  assert set(published) == {'random_1', 'nfr_1', 'kip_1'}
  for name, artifact in published.items():
    assert artifact.custom_properties['published'].int_value == int(blessed[name])
    if not blessed[name]:
      assert not os.path.exists(os.path.join(paths.sets_root, name))
      continue
    version, = os.listdir(os.path.join(paths.serving_root, name))
    assert os.listdir(os.path.join(paths.sets_root, name)) == [version]
    directory = os.path.join(paths.sets_root, name, version)
    kip_set, = artifacts_of(store, 'tfx_distill.KipSet', f'Distiller_{name}')
    with open(os.path.join(directory, 'kip_set.npz'), 'rb') as f, open(
        os.path.join(kip_set.uri, 'kip_set.npz'), 'rb') as original:
      assert f.read() == original.read()
    with open(os.path.join(directory, 'kip_set.json'), encoding='utf-8') as f:
      record = json.load(f)
    evaluation, = artifacts_of(store, 'ModelEvaluation', f'Evaluator_{name}_s0')
    assert record['evaluation']['accuracy'] == pytest.approx(
        overall_accuracy(evaluation.uri))
    assert record['pushed_model'] == {
        'path': os.path.join(paths.serving_root, name, version), 'version': version}
    assert record['images'] == 10 and record['training_set'] == name
    assert record['distill_settings'] == json.loads(
        kip_set.custom_properties['distill_settings'].string_value)


def test_bad_input_one_line_error_and_no_examples(tmp_path, digits):
  images, labels = digits
  np.savez(tmp_path / 'bad.npz', x=images, y=np.where(labels == 4, 12, labels))
  root = str(tmp_path / 'run')
  result = run_cli('run', '--preset', 'smoke', '--data', f'npz:{tmp_path / "bad.npz"}',
                   '--pipeline-root', root)
  assert result.returncode == 2
  last = result.stderr.strip().splitlines()[-1]
  assert last == (f'tfx-distill: error: {tmp_path / "bad.npz"}: labels out of range '
                  '[0, 12], expected 0..9')
  from ml_metadata.proto import metadata_store_pb2  # pylint: disable=g-import-not-at-top
  live = [a for a in metadata_store(root).get_artifacts_by_type('Examples')
          if a.state == metadata_store_pb2.Artifact.LIVE]
  assert not live


@pytest.mark.parametrize('args,message', [
    (['--epochs', '0'], 'train.epochs must be >= 1, got 0'),
    (['--target-batch', '5'], 'distill.target_batch must be >= '),
    (['--data', 'ftp:x'], "unknown source scheme in 'ftp:x'"),
    (['--candidates', 'magic:3'], 'method must be one of'),
    (['--candidates', 'kip'], "candidate 'kip': expected METHOD:IMAGES_PER_CLASS"),
])
def test_bad_config_is_refused_before_running(tmp_path, capsys, args, message):
  from tfx_distill.pipeline import cli  # pylint: disable=g-import-not-at-top
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', str(tmp_path)] + args) == 2
  last = capsys.readouterr().err.strip().splitlines()[-1]
  assert last.startswith('tfx-distill: error: ') and message in last
  assert not os.path.exists(local_paths(str(tmp_path)).metadata_path)


def test_rerun_on_data_that_breaks_the_schema_stops_before_training(smoke_run, tmp_path):
  """The smoke pipeline run again (on a copy of its root) on new data that Ingest
  accepts (labels 0..9, pixels in range, every class present) but whose test part, the
  eval split with --eval-source test, is half ones: the established schema's skew
  comparator (TFX's DistributionValidator, eval against train) stops the run before
  anything trains. (No drift is checked: new data is another pipeline, whose first run
  this is; tests/data_gate checks drift.)"""
  from ml_metadata.proto import metadata_store_pb2  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.sources import load_source  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline import config as config_lib  # pylint: disable=g-import-not-at-top
  root = str(tmp_path / 'rerun')
  shutil.copytree(smoke_run.root, root)
  data = load_source('sample')
  rest = np.arange(2000, len(data.labels))
  test = np.r_[rest[data.labels[rest] == 1][:200], rest[data.labels[rest] != 1][:200]]
  path = str(tmp_path / 'new.npz')
  np.savez(path, x_train=data.images[:2000], y_train=data.labels[:2000],
           x_test=data.images[test], y_test=data.labels[test])
  result = run_cli('run', '--preset', 'smoke', '--pipeline-root', root, '--data',
                   f'npz:{path}', '--eval-source', 'test')
  assert result.returncode == 2, result.stderr[-3000:]
  last = result.stderr.strip().splitlines()[-1]
  assert last.startswith(f'tfx-distill: error: npz:{path}: the data breaks the schema '
                         "the package's digits_schema.pbtxt: 1 anomaly: split eval vs "
                         "train, feature 'label': High Linfty distance between current "
                         'and previous'), last
  store = metadata_store(root)
  runs = store.get_contexts_by_type('pipeline_run')
  assert len(runs) == 2
  rerun = max(runs, key=lambda c: (c.create_time_since_epoch, c.id))
  types = {t.id: t.name.rsplit('.', 1)[-1] for t in store.get_execution_types()}
  states = {types[e.type_id]: e.last_known_state
            for e in store.get_executions_by_context(rerun.id)}
  state = metadata_store_pb2.Execution
  # New data is another pipeline (tfx-distill-smoke-npz-new-...): nothing of the smoke
  # pipeline's history is reused, not even the established schema's import.
  assert {c.name for c in store.get_contexts_by_type('pipeline')} == {
      'tfx-distill-smoke-sample',
      config_lib.default_pipeline_name('smoke', f'npz:{path}')}
  assert states['ImportSchemaGen'] == state.COMPLETE
  assert states['Ingest'] == state.COMPLETE
  assert states['DataGate'] == state.FAILED
  assert states['SchemaDistributionValidator'] == state.COMPLETE  # skew and drift
  assert not {'Distiller', 'KipImport', 'Trainer', 'Evaluator', 'Pusher'} & set(states)


def readme_block(marker):
  """The first ```python block after `<!-- MARKER` in README.md."""
  with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as handle:
    text = handle.read()
  after = text[text.index(f'<!-- {marker}'):]
  return re.search(r'```python\n(.*?)```', after, re.S).group(1)


def test_readme_serving_snippets_run_against_a_pushed_model(smoke_run, tmp_path):
  """README's serving snippets, as written, against the model the smoke run pushed
  (under the path the README names), and the REST bodies they write fed to the
  signatures as TensorFlow Serving feeds them (instances -> the one input, batched)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  root = smoke_run.root
  work = tmp_path / 'work'
  (work / 'runs' / 'demo' / 'serving').mkdir(parents=True)
  pushed = os.path.join(local_paths(root).serving_root, 'full')
  os.symlink(pushed, work / 'runs' / 'demo' / 'serving' / 'full')
  code = readme_block('serving: request bodies') + readme_block('serving: python')
  result = subprocess.run([sys.executable, '-c', code], cwd=work, capture_output=True,
                          text=True, timeout=600,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3'))
  assert result.returncode == 0, result.stderr[-3000:]
  printed = re.search(r'predicted: \[([\d ]+)\] true: \[([\d ]+)\]', result.stdout)
  assert printed and len(printed.group(1).split()) == 8, result.stdout
  model = tf.saved_model.load(os.path.join(pushed, os.listdir(pushed)[0]))
  outputs = {}
  for body in ('images.json', 'examples.json'):
    with open(work / body, encoding='utf-8') as handle:
      request = json.load(handle)
    signature = model.signatures[request['signature_name']]
    (name, spec), = signature.structured_input_signature[1].items()
    rows = request['instances']
    if spec.dtype == tf.string:
      rows = [base64.b64decode(row['b64']) for row in rows]
    outputs[body] = signature(**{name: tf.constant(rows, spec.dtype)})['outputs'].numpy()
  assert outputs['images.json'].shape == (2, 10)
  np.testing.assert_allclose(outputs['images.json'].sum(axis=1), 1.0, atol=1e-5)
  np.testing.assert_allclose(outputs['images.json'], outputs['examples.json'], atol=1e-6)


def test_a_worse_full_model_is_not_blessed_or_pushed(smoke_run, tmp_path):
  """Second run on (a copy of) the first run's root, with one candidate to stay quick: one epoch
  makes a clearly worse full model, which must fail the no-drop gate against the first
  run's blessed one (the floor is lowered to 0 so that only the gates under test
  decide); and an ECE bound of 0.001 fails both models on calibration (TFMA's upper
  bound on the custom metric)."""
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  root = str(tmp_path / 'again')
  shutil.copytree(smoke_run.root, root)
  result = run_cli('run', '--preset', 'smoke', '--pipeline-root', root, '--max-drop', '0.05',
                   '--candidates', 'random:1', '--epochs', '1', '--full-min-accuracy', '0',
                   '--max-ece', '0.001', '--no-equal-work-baseline', '--architectures=')
  assert result.returncode == 0, result.stderr[-3000:]
  store = metadata_store(root)

  def failures(evaluation):
    validation = tfma.load_validation_result(evaluation.uri)
    return {(f.metric_key.name, f.metric_key.is_diff): f
            for v in validation.metric_validations_per_slice for f in v.failures}

  first, second = sorted(artifacts_of(store, 'ModelEvaluation', 'Evaluator_full_s0'),
                         key=lambda a: a.id)
  assert tfma.load_validation_result(first.uri).validation_ok
  full = failures(second)
  assert set(full) == {('sparse_categorical_accuracy', True),
                       ('expected_calibration_error', False)}
  drop = full[('sparse_categorical_accuracy', True)]
  assert drop.metric_threshold.change_threshold.absolute.value == 0.0
  assert drop.metric_value.double_value.value < -0.05  # clearly worse
  # Its baseline: the first run's full model, although the first run blessed a candidate
  # after it (nfr_1): the local runner resolves by producer (Trainer_full_s0 and
  # Evaluator_full_s0); compiled, the query filters on the blessing's training set
  # (tests/kubeflow/test_image_run.py).
  first_full, = [a for a in artifacts_of(store, 'Model', 'Trainer_full_s0')
                 if a.uri.startswith(smoke_run.root)]
  first_blessing, second_blessing = sorted(
      artifacts_of(store, 'ModelBlessing', 'Evaluator_full_s0'), key=lambda a: a.id)
  assert second_blessing.custom_properties['baseline_model_id'].int_value == first_full.id
  blessed_later = [a for a in store.get_artifacts_by_type('ModelBlessing')
                   if a.custom_properties['blessed'].int_value == 1
                   and a.custom_properties['training_set'].string_value != 'full'
                   and a.id < second_blessing.id and a.uri.startswith(smoke_run.root)]
  assert blessed_later and min(a.id for a in blessed_later) > first_blessing.id
  candidate = max(artifacts_of(store, 'ModelEvaluation', 'Evaluator_random_1_s0'),
                  key=lambda a: a.id)
  ece = failures(candidate)[('expected_calibration_error', False)]
  assert ece.metric_threshold.value_threshold.upper_bound.value == 0.001
  assert ece.metric_value.double_value.value > 0.001
  pushed = max(artifacts_of(store, 'PushedModel', 'Pusher_full'), key=lambda a: a.id)
  assert pushed.custom_properties['pushed'].int_value == 0
  assert len(os.listdir(os.path.join(local_paths(root).serving_root, 'full'))) == 1


def resolved(store, pipeline_name, node_id):
  """The artifacts a resolver node of the named pipeline passed on, in its runs."""
  contexts = [c for c in store.get_contexts_by_type('node')
              if c.name == f'{pipeline_name}.{node_id}']
  executions = [e for c in contexts for e in store.get_executions_by_context(c.id)]
  events = store.get_events_by_execution_ids([e.id for e in executions])
  return store.get_artifacts_by_id(sorted({e.artifact_id for e in events}))


def test_another_pipeline_in_the_store_never_resolves_this_ones_artifacts(smoke_run,
                                                                         tmp_path):
  """Two pipelines in one ML Metadata store (issue 21): the resolvers of the full model's
  baseline and of the drift check's last statistics, run by LocalDagRunner on a copy of
  the smoke run's store, find its blessed full model and its statistics under its own
  pipeline name, and nothing under another's (another preset or data source)."""
  from tfx import v1 as tfx  # pylint: disable=g-import-not-at-top
  from tfx.orchestration.pipeline import RunOptions  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts import node_ids  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline.pipeline import create_pipeline  # pylint: disable=g-import-not-at-top
  paths = local_paths(str(tmp_path / 'store'))
  os.makedirs(paths.pipeline_root)
  shutil.copy(local_paths(smoke_run.root).metadata_path, paths.metadata_path)
  resolvers = (node_ids.LATEST_BLESSED_FULL, node_ids.LATEST_STATISTICS)
  names = []
  for name in ('', 'tfx-distill-other'):
    config = config_lib.replace(preset('smoke'), name=name, kip_sets=(smoke_run.kip_set,))
    names.append(config.pipeline_name)
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(config, paths, metadata_connection_config=tfx.orchestration
                        .metadata.sqlite_metadata_connection_config(paths.metadata_path)),
        run_options=RunOptions(to_nodes=list(resolvers)))
  store = metadata_store(str(tmp_path / 'store'))
  own, other = names
  assert own == 'tfx-distill-smoke-sample'
  found = {node: {a.uri for a in resolved(store, own, node)} for node in resolvers}
  full_model, = [a.uri for a in artifacts_of(store, 'Model', 'Trainer_full_s0')]
  statistics, = [a.uri for a in artifacts_of(store, 'ExampleStatistics', 'StatisticsGen')]
  assert full_model in found[node_ids.LATEST_BLESSED_FULL]
  assert found[node_ids.LATEST_STATISTICS] == {statistics}
  for node in resolvers:
    assert resolved(store, other, node) == [], node
