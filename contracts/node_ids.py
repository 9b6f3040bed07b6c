"""The ids of the pipeline's nodes: labels, built here by `create_pipeline` from the
training sets' names (contracts/identity.py), and never parsed: what a node or an
artifact is trained on is read from the artifact's properties, and which node is what
from its class.

Nodes are `Ingest`, `DataGate`, `Distiller_<set>`, `KipImport_<index>`,
`Trainer_<set>_s<seed>`, `Evaluator_<set>_s<seed>`, `Pusher_<set>`, `SetPublisher_<set>`
and `Report`; the local runner puts the node id in every artifact uri
(`<pipeline_root>/<node_id>/<output_key>/<execution_id>`), Kubeflow and Vertex the task
name.
"""

from tfx_distill.contracts.identity import FULL, FULL_SAME_STEPS, KIP_SET_PREFIX  # pylint: disable=unused-import

INGEST = 'Ingest'
DATA_GATE = 'DataGate'
REPORT = 'Report'
LATEST_BLESSED_FULL = 'LatestBlessedFullModel'
SOURCE_FINGERPRINT = 'SourceFingerprint'  # compiled pipelines: Ingest's data, read at run time
# The data's distribution checks (components/data_gate/distribution.py): the last run's
# statistics, eval against train, this run against the last.
LATEST_STATISTICS = 'LatestStatistics'
SKEW_CHECK = 'DistributionValidator_skew'
DRIFT_CHECK = 'DistributionValidator_drift'


def distiller(training_set: str) -> str:
  return f'Distiller_{training_set}'


def kip_import(index: int) -> str:
  return f'KipImport_{index}'


def kip_fingerprint(index: int) -> str:
  """The SourceFingerprint of the index-th --kip-set file (compiled pipelines)."""
  return f'{SOURCE_FINGERPRINT}_{KIP_SET_PREFIX}{index}'


def trainer(training_set: str, seed: int) -> str:
  return f'Trainer_{training_set}_s{seed}'


def evaluator(training_set: str, seed: int) -> str:
  return f'Evaluator_{training_set}_s{seed}'


def pusher(training_set: str) -> str:
  return f'Pusher_{training_set}'


def set_publisher(training_set: str) -> str:
  return f'SetPublisher_{training_set}'


def transfer(training_set: str) -> str:
  return f'Transfer_{training_set}'
