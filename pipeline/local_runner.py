"""Runs the pipeline on this machine: LocalDagRunner, Beam DirectRunner in memory, SQLite
ML Metadata (the embedded default). The only module that decides local paths.

A run first checks what it can (`preflight`: the pipeline root, the strategy; then the
inputs, by fingerprinting them for the cache, `cache_keys`), takes the root's lock
(`run_lock`: one run per root at a time), runs, and returns the report of its own run.
"""

import dataclasses
import os
from typing import Optional

from tfx import v1 as tfx

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.components.report import mlmd
from tfx_distill.pipeline import preflight
from tfx_distill.pipeline.cache_keys import cache_keys
from tfx_distill.pipeline.config import RUNNERS, PipelineConfig, PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline
from tfx_distill.pipeline.run_lock import RunLock


def local_paths(root: str) -> PipelinePaths:
  """The layout of a local run under `root`."""
  root = os.path.abspath(root)
  return PipelinePaths(pipeline_root=os.path.join(root, 'pipeline'),
                       serving_root=os.path.join(root, 'serving'),
                       sets_root=os.path.join(root, 'distilled_sets'),
                       metadata_path=os.path.join(root, 'metadata.sqlite'))


@dataclasses.dataclass(frozen=True)
class LocalRun:
  """Where a finished run's outputs are: its paths and its own report (None if its
  Report did not run)."""
  paths: PipelinePaths
  report_index: Optional[str]


def run_local(config: PipelineConfig, root: str, runner: str = 'local') -> LocalRun:
  """Checks, builds the pipeline for `root` and runs it to the end.

  A second run with the same root reuses cached executions (when caching is on) and
  adds to the same ML Metadata store; two at the same time are refused (RootInUseError)."""
  if runner not in RUNNERS:
    raise ConfigError(f'unknown runner {runner!r}; choose from {RUNNERS}')
  paths = local_paths(root)
  preflight.check_pipeline_root(os.path.abspath(root))
  with RunLock(os.path.abspath(root)):
    preflight.check_strategy(config.train)
    keys = cache_keys(config.ingest, config.kip_sets)
    os.makedirs(paths.pipeline_root, exist_ok=True)
    pipeline = create_pipeline(
        config, paths,
        metadata_connection_config=tfx.orchestration.metadata
        .sqlite_metadata_connection_config(paths.metadata_path),
        cache_keys=keys)
    earlier_runs = mlmd.run_names(paths.metadata_path)
    if runner == 'beam':
      from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner  # pylint: disable=g-import-not-at-top
      BeamDagRunner().run(pipeline)
    else:
      tfx.orchestration.LocalDagRunner().run(pipeline)
    (this_run,) = mlmd.run_names(paths.metadata_path) - earlier_runs
  return LocalRun(paths, mlmd.report_index(paths.metadata_path, this_run))
