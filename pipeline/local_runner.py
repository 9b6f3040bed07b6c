"""Runs the pipeline on this machine: LocalDagRunner, Beam DirectRunner in memory, SQLite
ML Metadata (the embedded default). The only module that decides local paths."""

import os

from tfx import v1 as tfx

from tfx_distill.components.errors import ConfigError
from tfx_distill.pipeline.config import RUNNERS, PipelineConfig, PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline



def local_paths(root: str) -> PipelinePaths:
  """The layout of a local run under `root`."""
  root = os.path.abspath(root)
  return PipelinePaths(pipeline_root=os.path.join(root, 'pipeline'),
                       serving_root=os.path.join(root, 'serving'),
                       metadata_path=os.path.join(root, 'metadata.sqlite'))


def run_local(config: PipelineConfig, root: str, runner: str = 'local') -> PipelinePaths:
  """Builds the pipeline for `root` and runs it to the end; returns its paths.

  A second run with the same root reuses cached executions (when caching is on) and
  adds to the same ML Metadata store."""
  paths = local_paths(root)
  os.makedirs(paths.pipeline_root, exist_ok=True)
  pipeline = create_pipeline(
      config, paths,
      metadata_connection_config=tfx.orchestration.metadata
      .sqlite_metadata_connection_config(paths.metadata_path))
  if runner == 'beam':
    from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner  # pylint: disable=g-import-not-at-top
    BeamDagRunner().run(pipeline)
  elif runner == 'local':
    tfx.orchestration.LocalDagRunner().run(pipeline)
  else:
    raise ConfigError(f'unknown runner {runner!r}; choose from {RUNNERS}')
  return paths
