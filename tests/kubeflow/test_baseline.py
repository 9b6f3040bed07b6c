"""The full model's baseline on both runners: the latest blessed *full-data* model, also
when a distilled model was blessed after it (issue 18, defect 1).

The same scenario runs on LocalDagRunner and as Vertex AI runs the compiled job: a first
run blesses the full model, a second blesses a distilled candidate (random_1, newer),
a third evaluates the full model again. Locally the three are partial runs of one
pipeline; on "Vertex" the compiled Evaluator tasks run through TFX's container entry
point on the local run's examples and models, every artifact goes into a local metadata
store as Vertex records it, and the compiled resolver queries run against that store
(tests/kubeflow/vertex_launcher.py). Both must give the third run's Evaluator_full_s0
the first run's full model as its baseline.
"""

import os

import pytest
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx import v1 as tfx
from tfx.orchestration import pipeline as pipeline_lib

from tfx_distill.components.data_gate.settings import PACKAGED_SCHEMA
from tfx_distill.contracts import lineage, node_ids
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.cache_keys import cache_keys
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tfx_distill.pipeline.local_runner import local_paths
from tfx_distill.pipeline.pipeline import create_pipeline
from tests.kubeflow.vertex_launcher import VertexMetadata, VertexRun

# Everything blessed: the scenario is about which blessed model is the baseline.
CONFIG = config_lib.replace(
    config_lib.preset('smoke'), candidates=(config_lib.Candidate('random', 1),),
    ingest={'max_examples': 1000}, train={'epochs': 1}, small_sets={'steps': 10},
    eval={'full_min_accuracy': 0.0, 'candidate_min_accuracy': 0.0, 'max_drop': 1.0,
          'full_max_drop': 1.0, 'max_ece': 1.0}, equal_work_baseline=False).validate()
FULL, CANDIDATE = node_ids.FULL, node_ids.candidate_set('random', 1)
EVALUATE_FULL = node_ids.evaluator(FULL, 0)
EVALUATE_CANDIDATE = node_ids.evaluator(CANDIDATE, 0)
BLESSING_RESOLVER = f'{node_ids.LATEST_BLESSED_FULL}-model-blessing-resolver'
MODEL_RESOLVER = f'{node_ids.LATEST_BLESSED_FULL}-model-resolver'


def compiled_job(tmp_path):
  return compile_job(CONFIG, Deployment('vertex', 'gs://bucket/root', 'image:test'),
                     str(tmp_path / 'job.json'))


def test_the_compiled_query_restricts_the_baseline_to_full_models(tmp_path):
  job = compiled_job(tmp_path)
  spec = job['pipelineSpec']
  label = spec['components'][BLESSING_RESOLVER]['executorLabel']
  query = spec['deploymentSpec']['executors'][label]['resolver'][
      'outputArtifactQueries']['model_blessing']['filter']
  clauses = query.split(' AND ')
  assert 'metadata.blessed.number_value=1' in clauses
  assert f'metadata.{lineage.TRAINING_SET}.string_value="{FULL}"' in clauses
  assert f'metadata.{lineage.PIPELINE}.string_value="{CONFIG.name}"' in clauses


def stored(store, artifact_id):
  return store.get_artifacts_by_id([artifact_id])[0]


def inputs_of(store, execution, key):
  """The artifacts an execution took as input `key`."""
  events = [e for e in store.get_events_by_execution_ids([execution.id])
            if e.type == metadata_store_pb2.Event.INPUT
            and e.path.steps[0].key == key]
  return [stored(store, e.artifact_id) for e in events]


def output_of(store, execution, key):
  [event] = [e for e in store.get_events_by_execution_ids([execution.id])
             if e.type == metadata_store_pb2.Event.OUTPUT and e.path.steps[0].key == key]
  return stored(store, event.artifact_id)


def local_baseline(store):
  """The baseline model of the local runner's last full-model evaluation, as its
  blessing names it."""
  blessing = output_of(store, executions_of(store, EVALUATE_FULL)[-1], 'blessing')
  return stored(store, blessing.custom_properties['baseline_model_id'].int_value)


def executions_of(store, node_id):
  """The executions of a node (COMPLETE, not cached), oldest first."""
  [context] = [c for c in store.get_contexts_by_type('node')
               if c.name == f'{CONFIG.name}.{node_id}']
  return sorted((e for e in store.get_executions_by_context(context.id)
                 if e.last_known_state == metadata_store_pb2.Execution.COMPLETE),
                key=lambda e: e.id)


@pytest.fixture(scope='module')
def local(tmp_path_factory):
  """The scenario on LocalDagRunner: three partial runs of one pipeline (caching on,
  so each reuses what it can). Returns the ML Metadata store."""
  paths = local_paths(str(tmp_path_factory.mktemp('local')))
  os.makedirs(paths.pipeline_root)
  connection = tfx.orchestration.metadata.sqlite_metadata_connection_config(
      paths.metadata_path)
  pipeline = create_pipeline(CONFIG, paths, metadata_connection_config=connection,
                             cache_keys=cache_keys(CONFIG.ingest, ()))
  for last in (EVALUATE_FULL, EVALUATE_CANDIDATE, EVALUATE_FULL):
    tfx.orchestration.LocalDagRunner().run(
        pipeline, run_options=pipeline_lib.RunOptions(to_nodes=[last]))
  return metadata_store.MetadataStore(connection)


def test_local_runner_takes_the_latest_blessed_full_model(local):
  first, third = executions_of(local, EVALUATE_FULL)
  [candidate] = executions_of(local, EVALUATE_CANDIDATE)
  blessings = [output_of(local, e, 'blessing') for e in (first, candidate)]
  assert [b.custom_properties['blessed'].int_value for b in blessings] == [1, 1]
  assert blessings[1].create_time_since_epoch >= blessings[0].create_time_since_epoch
  full_model = output_of(local, executions_of(local, node_ids.trainer(FULL, 0))[0],
                         'model')
  assert inputs_of(local, first, 'baseline_model') == []
  # The third run's baseline: the full model, not the newer blessed candidate. (The
  # blessing names it: when the run reuses the same full model, MLMD records it once,
  # as the input 'model'.)
  assert local_baseline(local).uri == full_model.uri
  # The blessings and models of local runs carry their training set and pipeline too.
  for artifact, training_set in ((blessings[0], FULL), (blessings[1], CANDIDATE),
                                 (full_model, FULL)):
    assert artifact.custom_properties[lineage.TRAINING_SET].string_value == training_set
    assert artifact.custom_properties[lineage.PIPELINE].string_value == CONFIG.name


@pytest.fixture(scope='module')
def vertex(local, tmp_path_factory):
  """The scenario as Vertex runs the compiled job, on the local run's examples and
  models: {run: VertexRun} (runs 'first', 'candidate', 'third')."""
  root = tmp_path_factory.mktemp('vertex')
  job = compiled_job(root)
  metadata = VertexMetadata()
  parameters = {'schema_file': PACKAGED_SCHEMA}

  def newest_output(node_id, key):
    return output_of(local, executions_of(local, node_id)[-1], key)

  examples = newest_output(node_ids.INGEST, 'examples')
  models = {FULL: newest_output(node_ids.trainer(FULL, 0), 'model'),
            CANDIDATE: newest_output(node_ids.trainer(CANDIDATE, 0), 'model')}
  runs = {}
  for name, evaluator in (('first', EVALUATE_FULL), ('candidate', EVALUATE_CANDIDATE),
                          ('third', EVALUATE_FULL)):
    run = VertexRun(job, str(root / 'pipeline_root'), f'tfx-distill-{name}', parameters,
                    metadata)
    run.seed(node_ids.INGEST, 'examples', examples.uri, {
        'split_names': examples.properties['split_names'].string_value})
    for training_set, model in models.items():
      # The Trainers' models, cached: recorded in the store once.
      if name == 'first':
        run.seed(node_ids.trainer(training_set, 0), 'model', model.uri)
      else:
        run.produced[(node_ids.trainer(training_set, 0), 'model')] = runs[
            'first'].produced[(node_ids.trainer(training_set, 0), 'model')]
    run.resolve(BLESSING_RESOLVER, MODEL_RESOLVER)
    run.run(evaluator, skipped=[t for t in job['pipelineSpec']['root']['dag']['tasks']
                                if t.startswith(('Trainer_', 'Ingest'))])
    runs[name] = run
  return runs


def test_compiled_tasks_take_the_latest_blessed_full_model(local, vertex):
  full_model = vertex['first'].produced[(node_ids.trainer(FULL, 0), 'model')]
  first_blessing = vertex['first'].produced[(EVALUATE_FULL, 'blessing')]
  candidate_blessing = vertex['candidate'].produced[(EVALUATE_CANDIDATE, 'blessing')]
  assert first_blessing['metadata']['blessed'] == 1
  assert candidate_blessing['metadata']['blessed'] == 1
  assert vertex['first'].produced[(MODEL_RESOLVER, 'model')] is None
  # The third run: the first run's full model, not the newer blessed candidate.
  baseline = vertex['third'].produced[(MODEL_RESOLVER, 'model')]
  assert baseline is not None and baseline['uri'] == full_model['uri']
  third_blessing = vertex['third'].produced[(EVALUATE_FULL, 'blessing')]
  assert third_blessing['metadata']['baseline_model_id'] == full_model['name']
  # The same model as the local runner's baseline.
  assert baseline['uri'] == local_baseline(local).uri
  # The compiled Evaluators write the training set and pipeline themselves (their
  # output artifacts arrive without metadata).
  assert first_blessing['metadata'][lineage.TRAINING_SET] == FULL
  assert candidate_blessing['metadata'][lineage.TRAINING_SET] == CANDIDATE
  assert first_blessing['metadata'][lineage.PIPELINE] == CONFIG.name
