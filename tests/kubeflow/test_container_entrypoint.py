"""The compiled smoke pipeline run as Vertex AI Pipelines runs it: its first tasks (the
source's fingerprint, Ingest, ...) down to the Distiller and the full-data Trainer, each
through TFX's container entry point
(`kubeflow_v2_run_executor`, the compiled command) in a subprocess with the arguments
the spec gives, under a local pipeline root, with runtime parameters changed at
"submission"; their outputs are read back. This proves the spec's executor classes,
parameters and artifact wiring, which parsing the spec alone does not."""

import os

import numpy as np
import pytest
import tensorflow_data_validation as tfdv
from tfx.types import artifact_utils

from tfx_distill.contracts import kip_format
from tfx_distill.components.data_gate.settings import PACKAGED_SCHEMA
from tfx_distill.contracts.example_format import read_split
from tfx_distill.contracts.model_format import SERVING_SUBDIR, read_record
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tests.kubeflow.vertex_launcher import VertexRun

# Changed at submission, as PipelineJob(parameter_values=...) would. The image's path
# of the curated schema does not exist here: the run names this machine's copy.
PARAMETERS = {'max_examples': 1000, 'split_seed': 3, 'schema_file': PACKAGED_SCHEMA,
              'epochs': 1, 'train_seed': 7}
# Tasks run side by side, wave after wave. Left out: the LatestStatistics resolver (no
# container: Vertex queries its metadata store), ExampleValidator, the drift check and
# the DataGate, which the Distiller and Trainers wait for but whose outputs they do not
# read (the gate's executor: tests/data_gate; its wiring: test_compile.py), to keep
# this fast: every task's process imports TFX again (about 14 CPU seconds). The skew
# check runs: TFX's DistributionValidator executor, given its config by ours.
WAVES = (('SourceFingerprint', 'ImportSchemaGen'), ('Ingest',),
         ('StatisticsGen', 'Distiller_random_1', 'Trainer_full_s0'),
         ('DistributionValidator_skew',))
SKIPPED = ('LatestStatistics', 'ExampleValidator', 'DistributionValidator_drift',
           'DataGate')


@pytest.fixture(scope='module')
def run(tmp_path_factory):
  """Every task of WAVES run; {task: ExecutorOutput}."""
  root = tmp_path_factory.mktemp('vertex')
  job = compile_job(config_lib.preset('smoke'),
                    Deployment('kubeflow', 'gs://bucket/root', 'image:test'),
                    str(root / 'job.json'))
  vertex = VertexRun(job, str(root / 'pipeline_root'), 'tfx-distill-smoke-1',
                     PARAMETERS)
  outputs = {}
  for wave in WAVES:
    outputs.update(vertex.run(*wave, skipped=SKIPPED))
  return outputs


def output(run, task, key):
  """The uri and metadata of a task's output artifact, as the entry point reported it."""
  artifact = run[task]['artifacts'][key]['artifacts'][0]
  return artifact['uri'], artifact.get('metadata', {})


def test_ingest_takes_the_runtime_data_settings(run):
  uri, metadata = output(run, 'Ingest', 'examples')
  splits = artifact_utils.decode_split_names(metadata['split_names'])
  assert splits == ['train', 'valid', 'eval']
  counts = {split: len(read_split(uri, split).labels) for split in splits}
  assert sum(counts.values()) == 1000  # max_examples 1000, not the preset's 2000
  assert counts['eval'] == 200 and metadata['num_eval'] == 200
  assert metadata['source'] == 'sample'


def test_schema_and_statistics(run):
  schema_uri, _ = output(run, 'ImportSchemaGen', 'schema')
  with open(os.path.join(schema_uri, 'schema.pbtxt'), encoding='utf-8') as handle:
    with open(PACKAGED_SCHEMA, encoding='utf-8') as packaged:
      assert handle.read() == packaged.read()
  stats_uri, stats = output(run, 'StatisticsGen', 'statistics')
  assert artifact_utils.decode_split_names(stats['split_names']) == ['train', 'valid',
                                                                      'eval']
  counts = {}
  for split in ('train', 'valid', 'eval'):
    statistics = tfdv.load_stats_binary(
        os.path.join(stats_uri, f'Split-{split}', 'FeatureStats.pb'))
    counts[split] = statistics.datasets[0].num_examples
    # Computed with the imported schema: the label is categorical (string statistics).
    label = [f for f in statistics.datasets[0].features if f.path.step == ['label']][0]
    assert label.string_stats.unique == 10
  assert sum(counts.values()) == 1000


def test_distiller_reads_the_ingested_examples(run):
  distilled_uri, metadata = output(run, 'Distiller_random_1', 'distilled')
  train = read_split(distilled_uri, 'train')
  assert sorted(train.labels.tolist()) == list(range(10))
  ingested_uri, _ = output(run, 'Ingest', 'examples')
  valid = read_split(ingested_uri, 'valid')
  np.testing.assert_array_equal(read_split(distilled_uri, 'valid').labels, valid.labels)
  kip_uri, _ = output(run, 'Distiller_random_1', 'kip_set')
  kip = kip_format.load(os.path.join(kip_uri, 'kip_set.npz'))
  assert kip.images.shape == (10, 28, 28, 1)
  assert metadata['method'] == 'random' and metadata['images_per_class'] == 1


def test_trainer_takes_the_runtime_epochs_and_seed(run):
  model_run_uri, _ = output(run, 'Trainer_full_s0', 'model_run')
  record = read_record(model_run_uri)
  assert record['plan']['epochs'] == 1 and record['seed'] == 7  # not the preset's 2 and 0
  ingested_uri, _ = output(run, 'Ingest', 'examples')
  assert record['images'] == len(read_split(ingested_uri, 'train').labels)
  model_uri, _ = output(run, 'Trainer_full_s0', 'model')
  assert os.path.exists(os.path.join(model_uri, SERVING_SUBDIR, 'saved_model.pb'))


def test_the_skew_check_compares_eval_with_train(run):
  uri, metadata = output(run, 'DistributionValidator_skew', 'anomalies')
  # TFX's `blessed` property: the one pair compared, and passed (the data is clean).
  assert metadata['blessed'] == {'eval_train': 1}
  assert artifact_utils.decode_split_names(metadata['split_names']) == ['eval_train']
  assert os.path.exists(os.path.join(uri, 'SplitPair-eval_train', 'SchemaDiff.pb'))
