"""A changed input file at the same path re-runs Ingest on Vertex too (issue 18, defect
5): the compiled job fingerprints the source when it runs (the SourceFingerprint task,
through TFX's container entry point here), and Ingest's cache key, as Kubeflow computes
it from the resolved inputs (tests/kubeflow/vertex_launcher.py), changes with the file,
also when `data` names another file at submission, and stays the same while the file
does (caching still works). Whether Vertex's own cache key follows parameter values as
Kubeflow's does can only be seen in a real project."""

import os

import numpy as np
import pytest

from tfx_distill.contracts.sources import load_source
from tfx_distill.contracts import node_ids
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tests.kubeflow.vertex_launcher import VertexRun


def write_digits(path, count, start=0):
  """`count` bundled digits from `start` as an (x, y) .npz, the file of `npz:PATH`."""
  digits = load_source('sample')
  images = (digits.images[start:start + count] * 255).astype(np.uint8)
  np.savez(path, x=images, y=digits.labels[start:start + count])


@pytest.fixture(scope='module')
def compiled(tmp_path_factory):
  """(job, its directory, the compiled data file): compiled once, against a local file."""
  root = tmp_path_factory.mktemp('fingerprint')
  data = str(root / 'digits.npz')
  write_digits(data, 300)
  config = config_lib.replace(config_lib.preset('smoke'),
                              ingest={'data': f'npz:{data}'})
  job = compile_job(config, Deployment('vertex', 'gs://bucket/root', 'image:test'),
                    str(root / 'job.json'))
  return job, root, data


def ingest_cache_key(compiled, image, name, **parameters):
  """Ingest's cache key in a new run of the compiled job (the tasks it waits for run
  first, through the entry point, in the image)."""
  job, root, _ = compiled
  run = VertexRun(job, str(root / 'pipeline_root'), name, parameters, image=image,
                  forked=True)
  upstream = job['pipelineSpec']['root']['dag']['tasks'][node_ids.INGEST].get(
      'dependentTasks', [])
  if upstream:
    run.run(*upstream)
  return run.cache_key(node_ids.INGEST)


def rewrite(path, count, start):
  """New contents at the same path (and a later modification time, as a new upload)."""
  before = os.stat(path).st_mtime_ns
  write_digits(path, count, start)
  os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_changed_file_at_the_same_path_re_runs_ingest(compiled, image):
  _, _, data = compiled
  first = ingest_cache_key(compiled, image, 'run-1')
  assert ingest_cache_key(compiled, image, 'run-2') == first  # same file: Ingest is reused
  rewrite(data, 400, 300)
  assert ingest_cache_key(compiled, image, 'run-3') != first


def test_a_file_named_at_submission_is_fingerprinted_when_the_job_runs(compiled, image):
  _, root, _ = compiled
  other = str(root / 'other.npz')
  write_digits(other, 300, 1000)
  first = ingest_cache_key(compiled, image, 'other-1', data=f'npz:{other}')
  rewrite(other, 300, 2000)
  assert ingest_cache_key(compiled, image, 'other-2', data=f'npz:{other}') != first


def test_the_fingerprint_task_is_never_taken_from_the_cache(compiled, image):
  job, _, _ = compiled
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  fingerprint = tasks[node_ids.SOURCE_FINGERPRINT]
  assert fingerprint['cachingOptions'] == {'enableCache': False}
  # Forced on at submission (PipelineJob(enable_caching=True) overrides every task's
  # option), its key still differs per run: the run's id is one of its parameters.
  assert fingerprint['inputs']['parameters']['run_id']['runtimeValue']['constant'] == (
      '{{$.pipeline_job_uuid}}')
  assert fingerprint['inputs']['parameters']['data'] == {'componentInputParameter': 'data'}
  assert tasks[node_ids.INGEST]['inputs']['parameters']['source_fingerprint'] == {
      'taskOutputParameter': {'producerTask': node_ids.SOURCE_FINGERPRINT,
                              'outputParameterKey': 'fingerprint'}}


def test_a_missing_file_stops_the_run_at_its_first_step(compiled, image, tmp_path):
  missing = str(tmp_path / 'gone.npz')
  with pytest.raises(AssertionError, match=f'{missing}: file not found'):
    ingest_cache_key(compiled, image, 'missing', data=f'npz:{missing}')
