"""Runs the pipeline on this machine: LocalDagRunner, Beam DirectRunner in memory, SQLite
ML Metadata (the embedded default). The only module that decides local paths.

A run first checks what it can (`preflight`: the pipeline root, the strategy; then the
inputs, by fingerprinting them for the cache, `cache_keys`), takes the root's lock
(`run_lock`: one run per root at a time), tells `on_start` where its log goes and which
nodes it runs (the command line's terminal, cli/terminal.py), runs, and returns the
report of its own run.
"""

import dataclasses
import os
import time
from typing import Callable, Optional, Sequence

from tfx.orchestration import metadata
from tfx.orchestration.local.local_dag_runner import LocalDagRunner

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.components.report import mlmd
from tfx_distill.pipeline import preflight
from tfx_distill.pipeline.cache_keys import cache_keys
from tfx_distill.pipeline.config import RUNNERS, PipelineConfig, PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline
from tfx_distill.pipeline.run_lock import RunLock


LOGS_DIR = 'logs'  # <root>/logs/run-<local time>.log: a run's full log (cli/terminal.py)


def run_log_path(root: str, now: Optional[float] = None) -> str:
  """`<root>/logs/run-YYYYmmdd-HHMMSS.log` (local time), `-2`, `-3`... when taken."""
  stamp = time.strftime('%Y%m%d-%H%M%S', time.localtime(now))
  base = os.path.join(os.path.abspath(root), LOGS_DIR, f'run-{stamp}')
  path, n = f'{base}.log', 1
  while os.path.exists(path):
    n += 1
    path = f'{base}-{n}.log'
  return path


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


OnStart = Callable[[str, str, Sequence[str]], None]  # (log path, pipeline name, node ids)


def run_local(config: PipelineConfig, root: str, runner: str = 'local',
              on_start: Optional[OnStart] = None) -> LocalRun:
  """Checks, builds the pipeline for `root` and runs it to the end; `on_start` is
  called once everything is checked, just before the runner starts, with the run's log
  path (`run_log_path`), the pipeline's name and its node ids in order.

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
        metadata_connection_config=metadata.sqlite_metadata_connection_config(
            paths.metadata_path),
        cache_keys=keys)
    earlier_runs = mlmd.run_names(paths.metadata_path)
    if on_start is not None:
      on_start(run_log_path(root), config.pipeline_name,
               [component.id for component in pipeline.components])
    if runner == 'beam':
      from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner  # pylint: disable=g-import-not-at-top
      BeamDagRunner().run(pipeline)
    else:
      LocalDagRunner().run(pipeline)
    (this_run,) = mlmd.run_names(paths.metadata_path) - earlier_runs
  return LocalRun(paths, mlmd.report_index(paths.metadata_path, this_run))
