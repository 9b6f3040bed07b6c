"""Finds a run's artifacts in ML Metadata (the local runner's SQLite store): the latest
pipeline run, its executions' outputs, its Report and the config it recorded."""

import json
import os
from typing import Any, Dict, List, Optional, Set

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from tfx_distill.contracts.errors import DataError
from tfx_distill.components.report.artifact_refs import from_mlmd
from tfx_distill.components.report.collect import ArtifactRef
from tfx_distill.components.report.render import INDEX_HTML
from tfx_distill.components.report.spec import Report, provenance

PIPELINE_RUN = 'pipeline_run'
PIPELINE = 'pipeline'
REPORT_EXECUTION_SUFFIX = '.ReportComponent'


def connect(metadata_path: str) -> metadata_store.MetadataStore:
  """A read-only connection to an existing SQLite MLMD file."""
  if not os.path.exists(metadata_path):
    raise DataError(metadata_path, 'no ML Metadata store (run the pipeline first)')
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = metadata_path
  config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
  return metadata_store.MetadataStore(config)


def latest_run(store: metadata_store.MetadataStore) -> metadata_store_pb2.Context:
  """The most recently created pipeline run context."""
  runs = store.get_contexts_by_type(PIPELINE_RUN)
  if not runs:
    raise DataError('the ML Metadata store', 'has no pipeline run (run the pipeline first)')
  return max(runs, key=lambda c: (c.create_time_since_epoch, c.id))


def _executions(store, run: metadata_store_pb2.Context) -> List[metadata_store_pb2.Execution]:
  return sorted(store.get_executions_by_context(run.id), key=lambda e: e.id)


def _outputs(store, executions) -> List[metadata_store_pb2.Artifact]:
  """Output artifacts of the executions (cached ones included), in id order."""
  if not executions:
    return []
  events = store.get_events_by_execution_ids([e.id for e in executions])
  ids = sorted({e.artifact_id for e in events
                if e.type == metadata_store_pb2.Event.OUTPUT})
  return store.get_artifacts_by_id(ids) if ids else []


def run_artifacts(store, run: metadata_store_pb2.Context) -> List[ArtifactRef]:
  """Every output artifact of the run, as ArtifactRefs with their type names."""
  types = {t.id: t.name for t in store.get_artifact_types()}
  return [from_mlmd(a, types.get(a.type_id, '')) for a in _outputs(store, _executions(store, run))]


def run_provenance(store, run: metadata_store_pb2.Context) -> Dict[str, Any]:
  """Pipeline name, run id, and the config the run's Report execution recorded."""
  executions = _executions(store, run)
  types = {t.id: t.name for t in store.get_execution_types()}
  config: Dict[str, Any] = {}
  for execution in executions:
    if types.get(execution.type_id, '').endswith(REPORT_EXECUTION_SUFFIX):
      config = json.loads(execution.custom_properties['config'].string_value or '{}')
  names = []
  if executions:
    names = [c.name for c in store.get_contexts_by_execution(executions[0].id)
             if c.type_id in {t.id for t in store.get_context_types() if t.name == PIPELINE}]
  return provenance(names[0] if names else None, run.name, config)


def run_names(metadata_path: str) -> Set[str]:
  """The names (run ids) of every pipeline run recorded at metadata_path (none when
  there is no store yet)."""
  if not os.path.exists(metadata_path):
    return set()
  return {c.name for c in connect(metadata_path).get_contexts_by_type(PIPELINE_RUN)}


def report_index(metadata_path: str, run_name: str) -> Optional[str]:
  """index.html of the Report the run named `run_name` produced (None if it made
  none)."""
  store = connect(metadata_path)
  run = store.get_context_by_type_and_name(PIPELINE_RUN, run_name)
  if run is None:
    return None
  for ref in reversed(run_artifacts(store, run)):
    if ref.type_name == Report.TYPE_NAME:
      return os.path.join(ref.uri, INDEX_HTML)
  return None
