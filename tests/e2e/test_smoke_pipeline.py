"""The `smoke` preset end to end on LocalDagRunner, run as a user runs it (the CLI in a
subprocess), and the CLI's handling of bad input and bad config."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tfx_distill.components.data_gate.settings import PACKAGED_SCHEMA
from tfx_distill.components.distiller.spec import KipSet
from tfx_distill.pipeline.local_runner import local_paths

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


def write_published_kip_set(path):
  """A set in the published KIP format: 10 real digits, standardised, NHWC, with
  'learned' (perturbed) labels."""
  from tfx_distill.components import kip_format  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.example_format import plain_label_vectors, standardise  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.ingest.sources import load_source  # pylint: disable=g-import-not-at-top
  data = load_source('sample')
  idx = [int(np.flatnonzero(data.labels == c)[0]) for c in range(10)]
  labels = plain_label_vectors(data.labels[idx]) + np.random.default_rng(0).normal(
      0, 0.05, (10, 10)).astype(np.float32)
  kip_format.save(str(path), standardise(data.images[idx])[..., None], labels)
  return labels


@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
  root = str(tmp_path_factory.mktemp('smoke'))
  write_published_kip_set(os.path.join(root, 'ConvNet_ssize10_nozca_l_noaug_ckpt1000.npz'))
  # A 0.05 limit on the drop below the full model: the full model (no baseline yet) is
  # blessed, the one-image-per-class candidate (far below it) must not be.
  result = run_cli('run', '--preset', 'smoke', '--pipeline-root', root, '--max-drop', '0.05',
                   '--kip-set', os.path.join(root, 'ConvNet_ssize10_nozca_l_noaug_ckpt1000.npz'))
  assert result.returncode == 0, result.stderr[-3000:]
  return root, result


def test_every_execution_completes(smoke_run):
  from ml_metadata.proto import metadata_store_pb2  # pylint: disable=g-import-not-at-top
  root, result = smoke_run
  assert f'pipeline root: {local_paths(root).pipeline_root}' in result.stdout
  store = metadata_store(root)
  executions = store.get_executions()
  done = {metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED}
  assert executions and all(e.last_known_state in done for e in executions)
  types = {store.get_execution_types_by_id([e.type_id])[0].name for e in executions}
  for expected in ('Ingest', 'StatisticsGen', 'SchemaGen', 'ExampleValidator',
                   'Distiller', 'Trainer', 'Evaluator', 'Pusher'):
    assert any(expected in name for name in types), (expected, types)
  kip_sets = [a for a in store.get_artifacts_by_type(KipSet.TYPE_NAME)
              if 'Distiller_kip_1' in a.uri]
  assert len(kip_sets) == 1
  from tfx_distill.components import kip_format  # pylint: disable=g-import-not-at-top
  kip = kip_format.load(os.path.join(kip_sets[0].uri, 'kip_set.npz'))
  assert kip.images.shape == (10, 28, 28, 1) and kip.labels.shape == (10, 10)


def test_imported_kip_set_keeps_its_learned_labels(smoke_run):
  from tfx_distill.components.example_format import read_split  # pylint: disable=g-import-not-at-top
  root, _ = smoke_run
  imported = [a for a in metadata_store(root).get_artifacts_by_type('Examples')
              if '/KipImport_0/' in a.uri]
  assert len(imported) == 1
  split = read_split(imported[0].uri, 'train')
  expected = write_published_kip_set(os.path.join(root, 'again.npz'))
  np.testing.assert_allclose(split.label_vectors, expected, atol=1e-6)
  assert 0.0 <= split.images.min() and split.images.max() <= 1.0 + 1e-6


def test_evaluator_compares_candidate_with_full_baseline(smoke_run):
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  root, _ = smoke_run
  store = metadata_store(root)
  evaluations = [a for a in store.get_artifacts_by_type('ModelEvaluation')]
  candidate = [a for a in evaluations if 'Evaluator_random_1_s0' in a.uri]
  assert len(candidate) == 1
  result = tfma.load_eval_result(candidate[0].uri, model_name='candidate')
  baseline = tfma.load_eval_result(candidate[0].uri, model_name='baseline')
  slices = {tuple(s) for s, _ in result.slicing_metrics}
  assert () in slices and (('label', 3),) in slices
  overall = dict(result.slicing_metrics)[()]['']['']
  accuracy = overall['sparse_categorical_accuracy']['doubleValue']
  full_accuracy = dict(baseline.slicing_metrics)[()]['']['']['sparse_categorical_accuracy']
  assert 0.0 <= accuracy <= 1.0
  assert 0.0 <= overall['expected_calibration_error']['doubleValue'] <= 1.0
  assert 'sparse_categorical_accuracy_diff' in overall
  assert overall['sparse_categorical_accuracy_diff']['doubleValue'] == pytest.approx(
      accuracy - full_accuracy['doubleValue'], abs=1e-6)


def test_blessing_gate_pushes_only_blessed_models(smoke_run):
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  root, _ = smoke_run
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
      assert failed == {('sparse_categorical_accuracy', True)}, failed
  assert set(blessed) == {'full', 'random_1', 'kip_1', 'kipset_0'}
  assert blessed['full'] and not blessed['random_1']
  pushes = {a.uri.split('/Pusher_')[1].split('/')[0]: a.custom_properties['pushed'].int_value
            for a in store.get_artifacts_by_type('PushedModel')}
  assert pushes == {name: int(ok) for name, ok in blessed.items()}
  for name, ok in blessed.items():
    versions = os.listdir(os.path.join(serving, name)) if ok else []
    assert len(versions) == int(ok) and not (not ok and os.path.exists(
        os.path.join(serving, name)))


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
    (['--steps', '-1'], 'distill.steps must be >= 0, got -1'),
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
  comparator stops the run before anything trains."""
  from ml_metadata.proto import metadata_store_pb2  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.ingest.sources import load_source  # pylint: disable=g-import-not-at-top
  root = str(tmp_path / 'rerun')
  shutil.copytree(smoke_run[0], root)
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
                         f'{PACKAGED_SCHEMA}: 1 anomaly: split eval vs train, feature '
                         "'label': High Linfty distance between training and serving"), last
  store = metadata_store(root)
  runs = store.get_contexts_by_type('pipeline_run')
  assert len(runs) == 2
  rerun = max(runs, key=lambda c: (c.create_time_since_epoch, c.id))
  types = {t.id: t.name.rsplit('.', 1)[-1] for t in store.get_execution_types()}
  states = {types[e.type_id]: e.last_known_state
            for e in store.get_executions_by_context(rerun.id)}
  state = metadata_store_pb2.Execution
  assert states['ImportSchemaGen'] == state.CACHED  # the same established schema
  assert states['Ingest'] == state.COMPLETE
  assert states['DataGate'] == state.FAILED
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
  root, _ = smoke_run
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
