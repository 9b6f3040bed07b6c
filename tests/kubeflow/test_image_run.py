"""The compiled pipeline run as its container image runs it (issue 21).

The image is laid out from kubeflow/Dockerfile itself (tests/kubeflow/image.py): the
package built as a wheel by the stage that builds it and installed normally into an
interpreter that sees no editable install, the final WORKDIR with what the COPY lines
put there, the ENV. From there:

- the image's own `tfx-distill compile` compiles the `smoke` preset for Vertex AI (with
  the published KIP set of the local smoke run, and of its distilled sets the nfr
  one), with other values of every runtime parameter than the local run's;
- every task of the compiled spec runs in dependency order with the task's container
  command and arguments from the image's working directory
  (tests/kubeflow/vertex_launcher.py; the first of each environment, plain or a
  Vertex Trainer's, as a fresh process, the others forked from the image's interpreter
  once it has imported the entry point's libraries, which saves about 7 CPU seconds a
  task: tests/kubeflow/step_server.py): the importers, the resolvers (their compiled
  queries against a local metadata store), SourceFingerprint, the data checks and the
  DataGate, the Distillers, the Trainers (each a Vertex CustomJob whose replica runs
  here with the command TFX gives it, in the task's process; a chief and a worker as
  processes: tests/trainer/test_vertex_replicas.py), the Evaluators, the Pushers, the SetPublishers
  and the Report, with every runtime parameter set at submission to the local run's
  value (so that one that does not reach its step shows as a difference);
- the run ends as the local runner's does (tests/shared.py, `smoke_run`: the command
  line on LocalDagRunner with the same settings): the same blessings, the same pushed
  training sets and published sets, the same rows in the report;
- a second pipeline in the same metadata store (another name) finds neither this one's
  full model as its baseline nor its statistics as its drift reference, and a blessing
  of another model of the full set (seed 1) is not this pipeline's baseline.
"""

import json
import os
import re

import pytest
from tfx.types import artifact_utils

from tfx_distill.contracts import identity, node_ids
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tfx_distill.pipeline.local_runner import local_paths
from tests.kubeflow.image import REPO
from tests.kubeflow.vertex_launcher import VertexMetadata, VertexRun
from tests.shared import (KIP_SET_NAME, SMOKE_MAX_DROP, SMOKE_SMALL_SEEDS,
                          write_published_kip_set)

IMAGE = 'europe-west4-docker.pkg.dev/p/tfx-distill/tfx-distill:test'
BUCKET = 'gs://bucket/tfx-distill'
SMOKE = config_lib.preset('smoke')
# Of the local smoke run's sets, the ones the image's run makes too (each set adds
# about five tasks: the random and KIP Distillers' and the Transfers are left out; the Distiller runs for nfr_1, and the image imports the code of the
# others, test_every_presets_code_imports_in_the_image).
CANDIDATES = 'nfr:1'
# Compiled with these values; at submission every parameter is set back to the local
# smoke run's value (the preset's, and --max-drop 0.05).
COMPILED_WITH = ('--max-examples', '1000', '--split-seed', '3', '--epochs', '1',
                 '--small-steps', '12', '--steps', '2', '--full-min-accuracy', '0.2',
                 '--candidate-min-accuracy', '0.3', '--max-drop', '0.5',
                 '--full-max-drop', '0.5', '--small-seeds', SMOKE_SMALL_SEEDS)
PARAMETERS = {'max_examples': SMOKE.ingest.max_examples, 'split_seed': SMOKE.ingest.seed,
              'epochs': SMOKE.train.epochs, 'small_steps': SMOKE.small_sets.steps,
              'steps': SMOKE.distill.nfr.steps,
              'full_min_accuracy': SMOKE.eval.full_min_accuracy,
              'candidate_min_accuracy': SMOKE.eval.candidate_min_accuracy,
              'max_drop': SMOKE_MAX_DROP, 'full_max_drop': SMOKE.eval.full_max_drop}
# Step modules the spec names, imported as the entry point imports them.
STEP_MODULES = ('tfx_distill.components.ingest.executor',
                'tfx_distill.components.distiller.executor',
                'tfx_distill.components.report.executor',
                'tfx_distill.components.training.executor',
                'tfx_distill.kubeflow.vertex_training', 'tfx_distill.trainer.task',
                'tfx_distill.trainer.replica')


def test_the_image_runs_the_installed_package_and_its_data(image):
  script = ('import sys, importlib, json\n'
            'from tfx_distill.contracts import sources\n'
            'from tfx_distill.components.data_gate import settings\n'
            'from tfx_distill.components.report import render\n'
            f'modules = [importlib.import_module(m).__file__ for m in {STEP_MODULES!r}]\n'
            'print(json.dumps({"modules": modules, "data": [sources.SAMPLE_PATH, '
            'settings.packaged_schema(), render.TEMPLATES], "path": sys.path, '
            '"finders": [type(f).__module__ for f in sys.meta_path]}))\n')
  result = image.python('-c', script)
  assert result.returncode == 0, result.stderr[-3000:]
  seen = json.loads(result.stdout.strip().splitlines()[-1])
  for path in seen['modules'] + seen['data']:
    assert path.startswith(image.site_packages + os.sep), path
    assert os.path.exists(path), path
  assert not [f for f in seen['finders'] if 'editable' in f]
  # Only the wheel's copy of the package is on the import path ('' is the workdir).
  holders = [p for p in seen['path']
             if os.path.isdir(os.path.join(p or image.workdir, 'tfx_distill'))]
  assert holders == [image.site_packages]


@pytest.fixture(scope='module')
def compiled(image, tmp_path_factory):
  # The local smoke run's published KIP set, written again here (the same bytes): the
  # run below need not wait for the local one, which other test files read.
  folder = tmp_path_factory.mktemp('compiled')
  kip_set = str(folder / KIP_SET_NAME)
  write_published_kip_set(kip_set)
  out = folder / 'tfx-distill.json'
  result = image.python('-m', 'tfx_distill.pipeline.cli', 'compile', '--target', 'vertex',
                        '--out', str(out), '--pipeline-root', BUCKET, '--project', 'p',
                        '--region', 'europe-west4', '--image', IMAGE, '--preset', 'smoke',
                        '--kip-set', kip_set, '--candidates', CANDIDATES, *COMPILED_WITH,
                        TF_CPP_MIN_LOG_LEVEL='3')
  assert result.returncode == 0, result.stderr[-3000:]
  with open(out, encoding='utf-8') as handle:
    return json.load(handle)


def test_the_compiled_spec_names_no_source_path(compiled, image):
  text = json.dumps(compiled)
  for path in (REPO, image.site_packages, image.workdir, 'digits_schema.pbtxt'):
    assert path not in text, path
  defaults = compiled['runtimeConfig']['parameterValues']
  assert defaults['schema_file'] == 'packaged'
  # Every runtime parameter set at submission differs from its compiled default.
  assert set(PARAMETERS) < set(defaults)
  assert all(defaults[name] != value for name, value in PARAMETERS.items())


@pytest.fixture(scope='module')
def vertex(compiled, image, tmp_path_factory):
  """The compiled job run task by task from the image; (run, the bucket's folder)."""
  bucket = tmp_path_factory.mktemp('bucket')
  run = VertexRun(compiled, str(bucket), 'tfx-distill-smoke-20261207', PARAMETERS,
                  VertexMetadata(), image=image, bucket={BUCKET: str(bucket)},
                  replica_processes=False, forked=True)
  run.run_all()
  print('task wall seconds:', ', '.join(  # where the run's time goes (pytest -s)
      f'{name} {seconds:.0f}' for name, seconds in sorted(
          run.seconds.items(), key=lambda item: -item[1])))
  return run, str(bucket)


RESOLVERS = (f'{node_ids.LATEST_BLESSED_FULL}-model-blessing-resolver',
             f'{node_ids.LATEST_BLESSED_FULL}-model-resolver', node_ids.LATEST_STATISTICS)


def test_another_pipeline_in_the_store_is_never_this_ones_reference(vertex, compiled,
                                                                     tmp_path):
  """After the run, its store holds a blessed full model and statistics. The next run of
  this pipeline resolves them; another pipeline (another name: another preset or data
  source) in the same store resolves nothing; nor is a newer blessing of another model
  of the full set (seed 1) this pipeline's baseline."""
  run, bucket = vertex
  again = VertexRun(compiled, bucket, 'again', PARAMETERS, run.metadata)
  found = again.resolve(*RESOLVERS)
  full_model = run.produced[(node_ids.trainer(node_ids.FULL, 0), 'model')]
  statistics = run.produced[('StatisticsGen', 'statistics')]
  assert found[RESOLVERS[1]]['uri'] == full_model['uri']
  assert found[node_ids.LATEST_STATISTICS]['uri'] == statistics['uri']
  assert statistics['metadata'][identity.PIPELINE] == SMOKE.pipeline_name
  other = config_lib.replace(SMOKE, name='tfx-distill-other')
  other_job = compile_job(other, Deployment('vertex', BUCKET, IMAGE),
                          str(tmp_path / 'other.json'))
  assert VertexRun(other_job, bucket, 'other', {}, run.metadata).resolve(*RESOLVERS) == {
      name: None for name in RESOLVERS}
  blessing = run.produced[(node_ids.evaluator(node_ids.FULL, 0), 'blessing')]
  run.metadata.record({**blessing, 'name': f'{blessing["name"]}-s1', 'metadata': {
      **blessing['metadata'], identity.SEED: 1, 'current_model_id': 'another model'}})
  found = VertexRun(compiled, bucket, 'third', PARAMETERS, run.metadata).resolve(
      *RESOLVERS)
  assert found[RESOLVERS[1]]['uri'] == full_model['uri']


def output(run, task, key):
  artifact = run.produced[(task, key)]
  return artifact['uri'], artifact.get('metadata', {})


def test_every_task_ran_in_the_image(vertex, compiled):
  run, _ = vertex
  tasks = compiled['pipelineSpec']['root']['dag']['tasks']
  ran = {task for task, _ in run.produced}
  assert ran == set(tasks)
  trainers = [t for t in tasks if t.startswith('Trainer_')]
  assert len(trainers) == 5  # full, full_same_steps, full_3x_steps, nfr_1, kipset_0
  for task in trainers:
    # Each trained as a CustomJob: its replica's container command ran here.
    with open(run.logs[task], encoding='utf-8') as log:
      assert 'local CustomJob: replica chief 0 exited with 0 (in the task' in log.read(), task


def local_rows(smoke_run):
  from tests.e2e.test_smoke_pipeline import artifacts_of, metadata_store  # pylint: disable=g-import-not-at-top
  report, = artifacts_of(metadata_store(smoke_run.root), 'tfx_distill.Report', 'Report')
  with open(os.path.join(report.uri, 'summary.json'), encoding='utf-8') as handle:
    return json.load(handle)['rows']


WHERE = ('pushed_to', 'published_set')  # a row's paths: under each run's own root


def varies(key):
  """What may differ between two runs of the same settings: time, and where files went."""
  return key in WHERE or key.endswith(('seconds', 'seconds_std', '_uri', '_path'))


def assert_same(vertex, local, where):
  """The same values, but for what `varies`; numbers to float precision."""
  if isinstance(local, dict):
    assert isinstance(vertex, dict), where
    keys = {k for k in local if not varies(k)}
    assert keys == {k for k in vertex if not varies(k)}, where
    for key in keys:
      assert_same(vertex[key], local[key], f'{where}.{key}')
  elif isinstance(local, list):
    assert isinstance(vertex, list) and len(vertex) == len(local), where
    for i, (a, b) in enumerate(zip(vertex, local)):
      assert_same(a, b, f'{where}[{i}]')
  elif isinstance(local, float) and not isinstance(local, bool):
    assert vertex == pytest.approx(local, rel=1e-6, abs=1e-9), where
  else:
    assert vertex == local, where


def test_the_same_blessings_and_rows_as_the_local_run(vertex, smoke_run):
  run, _ = vertex
  uri, _ = output(run, node_ids.REPORT, 'report')
  with open(os.path.join(uri, 'summary.json'), encoding='utf-8') as handle:
    rows = {row['training_set']: row for row in json.load(handle)['rows']}
  local = {row['training_set']: row for row in local_rows(smoke_run)}
  assert set(rows) == {'full', 'full_same_steps', 'full_3x_steps', 'nfr_1', 'kipset_0'}
  assert set(local) == set(rows) | {'random_1', 'kip_1'}
  for name, row in rows.items():
    assert row['blessed'] == local[name]['blessed'], name
    assert_same(row, local[name], name)
    for key in WHERE:  # pushed and published in both runs, or in neither
      assert (row[key] is None) == (local[name][key] is None), (name, key)
  # The runtime max_drop reached the Evaluators: the candidate far below the full model
  # is not blessed, as with --max-drop 0.05 locally.
  assert rows['full']['blessed'] and not rows['kipset_0']['blessed']
  for name in set(rows) - {'full_3x_steps'}:  # a curve only, not evaluated
    _, blessing = output(run, node_ids.evaluator(name, 0), 'blessing')
    assert blessing['blessed'] == int(rows[name]['blessed']), name


def listing(folder):
  return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_the_same_models_pushed_and_sets_published(vertex, smoke_run):
  run, bucket = vertex
  local = local_paths(smoke_run.root)
  ours = lambda names: [n for n in names if n not in ('random_1', 'kip_1')]  # not made here
  pushed = listing(os.path.join(bucket, 'serving'))
  assert pushed == ours(listing(local.serving_root))
  assert 'full' in pushed and 'kipset_0' not in pushed
  assert listing(os.path.join(bucket, 'distilled_sets')) == ours(listing(local.sets_root))
  for name in pushed:
    version, = os.listdir(os.path.join(bucket, 'serving', name))
    assert os.path.exists(os.path.join(bucket, 'serving', name, version, 'saved_model.pb'))
  _, metadata = output(run, node_ids.pusher('full'), 'pushed_model')
  assert metadata['pushed'] == 1


def test_the_data_checks_ran_from_the_installed_schema(vertex):
  run, _ = vertex
  schema_uri, _ = output(run, 'ImportSchemaGen', 'schema')
  from tfx_distill.components.data_gate.settings import packaged_schema  # pylint: disable=g-import-not-at-top
  with open(os.path.join(schema_uri, 'schema.pbtxt'), encoding='utf-8') as copied, open(
      packaged_schema(), encoding='utf-8') as packaged:
    assert copied.read() == packaged.read()
  _, skew = output(run, node_ids.SKEW_CHECK, 'anomalies')
  assert skew['blessed'] == {'eval_train': 1}
  assert artifact_utils.decode_split_names(skew['split_names']) == ['eval_train']
  # A first run of this pipeline in its store: no statistics of an earlier run.
  assert run.produced[(node_ids.LATEST_STATISTICS, 'statistics')] is None


def code_paths(job):
  """Every class, function and module of this package a compiled job names: executor
  classes, run_fn / tuner_fn, the replicas' executor, the custom metric's module."""
  found = set()
  spec = job['pipelineSpec']
  for executor in spec['deploymentSpec']['executors'].values():
    args = executor.get('container', {}).get('args', [])
    if '--executor_class_path' in args:
      found.add(args[args.index('--executor_class_path') + 1])
  text = json.dumps(job)
  found |= set(re.findall(r'tfx_distill(?:\.\w+)+', text))
  return {path for path in found if path.startswith('tfx_distill.')}


def test_every_presets_code_imports_in_the_image(image, tmp_path):
  """What every preset's compiled spec names, for Vertex AI and for Kubeflow, exists in
  the image: each path imports as a module or as an attribute of one, from the image's
  working directory."""
  paths = set()
  for target in ('vertex', 'kubeflow'):
    for name in config_lib.PRESETS:
      job = compile_job(config_lib.preset(name), Deployment(target, BUCKET, IMAGE),
                        str(tmp_path / f'{target}_{name}.json'))
      paths |= code_paths(job)
  assert 'tfx_distill.trainer.task.run_fn' in paths
  script = ('import importlib, sys\n'
            'missing = []\n'
            'for path in sys.argv[1:]:\n'
            '  try:\n'
            '    importlib.import_module(path)\n'
            '  except ImportError:\n'
            '    module, _, name = path.rpartition(".")\n'
            '    try:\n'
            '      getattr(importlib.import_module(module), name)\n'
            '    except (ImportError, AttributeError) as error:\n'
            '      missing.append(f"{path}: {error!r}")\n'
            'print("\\n".join(missing))\n'
            'sys.exit(1 if missing else 0)\n')
  result = image.python('-c', script, *sorted(paths), TF_CPP_MIN_LOG_LEVEL='3')
  assert result.returncode == 0, (result.stdout, result.stderr[-3000:])
