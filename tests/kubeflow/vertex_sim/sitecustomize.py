"""Test-only stand-in for the Vertex AI Training service, loaded by Python at start-up
(`sitecustomize`) in processes that tests/kubeflow/vertex_launcher.py starts with this
folder on PYTHONPATH. The folder holds no code of the package: the package still comes
from the image's installed wheel.

- LOCAL_CUSTOM_JOB=1 (a Vertex Trainer task): TFX's Vertex Training executor builds the
  CustomJob with its own code; instead of submitting it to Vertex, every replica of
  every worker pool is started here, from the same working directory and interpreter,
  with the container command TFX put in its pool and the TF_CONFIG Vertex sets (pool 0:
  task `chief`, pool 1: `worker`; the cluster on free localhost ports). The job
  succeeds only if every replica does, as on Vertex. Each replica's output goes to
  REPLICA_LOG_DIR (or the task's stderr). With CHIEF_LAST=1 the chief's model export
  waits until every other replica has exited (a worker finishing first is what failed
  TFX's generic executor on the worker).
- EXPORT_AFTER=FILE (a replica): its model export waits until FILE exists.
"""

import os

if os.environ.get('LOCAL_CUSTOM_JOB') == '1':
  import local_custom_job  # pylint: disable=g-import-not-at-top
  local_custom_job.install()
elif os.environ.get('EXPORT_AFTER'):
  import local_custom_job  # pylint: disable=g-import-not-at-top
  local_custom_job.export_after(os.environ['EXPORT_AFTER'])
