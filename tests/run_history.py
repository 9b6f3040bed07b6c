"""What each local pipeline run did, read back from its SQLite ML Metadata: per run (in
the order they started) every node's execution state and wall time."""

from typing import Dict, List, NamedTuple

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata

State = metadata_store_pb2.Execution.State


class NodeExecution(NamedTuple):
  state: str  # COMPLETE, CACHED, RUNNING, FAILED, ...
  seconds: float  # from the execution's creation to its last update


def open_store(metadata_path: str) -> metadata_store.MetadataStore:
  return metadata_store.MetadataStore(
      metadata.sqlite_metadata_connection_config(metadata_path))


def node_of_execution(store: metadata_store.MetadataStore) -> Dict[int, str]:
  """{execution id: node id}, from the `node` contexts ('<pipeline>.<node id>')."""
  nodes = {}
  for context in store.get_contexts_by_type('node'):
    node_id = context.name.split('.', 1)[1]
    for execution in store.get_executions_by_context(context.id):
      nodes[execution.id] = node_id
  return nodes


def runs(metadata_path: str) -> List[Dict[str, NodeExecution]]:
  """[{node id: NodeExecution}] of every pipeline run, oldest first."""
  store = open_store(metadata_path)
  nodes = node_of_execution(store)
  contexts = sorted(store.get_contexts_by_type('pipeline_run'),
                    key=lambda c: (c.create_time_since_epoch, c.id))
  return [{nodes[e.id]: NodeExecution(
      State.Name(e.last_known_state),
      (e.last_update_time_since_epoch - e.create_time_since_epoch) / 1000.0)
           for e in store.get_executions_by_context(context.id)} for context in contexts]
