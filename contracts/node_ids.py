"""The names of the pipeline's nodes and training sets: `create_pipeline` builds them
with these functions and constants, the Report (and the Kubeflow code) parses them back
with `producer_of` / `parse_node_id`; no other module spells them. Not here: the nodes of
TFX's own components keep the ids TFX gives them (`StatisticsGen`, `SchemaGen` or
`ImportSchemaGen`, `ExampleValidator`, `Tuner`).

Training sets are `full` (the full train split, epochs with early stopping),
`full_same_steps` (the full train split with the small sets' step recipe: the
equal-work baseline), `<method>_<images per class>` (a distilled candidate) and
`kipset_<index>` (an imported KIP file). Nodes are `Ingest`, `DataGate`, `Distiller_<set>`,
`KipImport_<index>`, `Trainer_<set>_s<seed>`, `Evaluator_<set>_s<seed>`,
`Pusher_<set>`, `SetPublisher_<set>` and `Report`. The local runner puts the node id in every artifact uri
(`<pipeline_root>/<node_id>/<output_key>/<execution_id>`); Kubeflow and Vertex spell
task names in lower case with '-' for '_' (`trainer-kip-1-s0`), sometimes with a numeric
suffix. `producer_of` reads them back from an artifact uri.
"""

import re
from typing import NamedTuple, Optional

FULL = 'full'
FULL_SAME_STEPS = 'full_same_steps'
FULL_RUNS = (FULL, FULL_SAME_STEPS)  # the training sets of the whole train split
KIP_SET_PREFIX = 'kipset_'
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
KINDS = ('trainer', 'evaluator', 'distiller', 'kipimport', 'pusher', 'setpublisher',
         'ingest', 'datagate', 'report')

_SET = r'(full_same_steps|full|[a-z]+_\d+)'  # full.., <method>_<ipc>, kipset_<index>
_SEEDED = re.compile(r'^(trainer|evaluator)_' + _SET + r'_s(\d+)$')
_PER_SET = re.compile(r'^(distiller|pusher|setpublisher)_' + _SET + r'$')
_KIP_IMPORT = re.compile(r'^kipimport_(\d+)$')


def candidate_set(method: str, images_per_class: int) -> str:
  """The training set of a distilled candidate, e.g. `kip_50`."""
  return f'{method}_{images_per_class}'


def kip_set(index: int) -> str:
  """The training set of the index-th imported KIP file, e.g. `kipset_0`."""
  return f'{KIP_SET_PREFIX}{index}'


def distiller(training_set: str) -> str:
  return f'Distiller_{training_set}'


def kip_import(index: int) -> str:
  return f'KipImport_{index}'


def kip_fingerprint(index: int) -> str:
  """The SourceFingerprint of the index-th --kip-set file (compiled pipelines)."""
  return f'{SOURCE_FINGERPRINT}_{kip_set(index)}'


def trainer(training_set: str, seed: int) -> str:
  return f'Trainer_{training_set}_s{seed}'


def evaluator(training_set: str, seed: int) -> str:
  return f'Evaluator_{training_set}_s{seed}'


def pusher(training_set: str) -> str:
  return f'Pusher_{training_set}'


def set_publisher(training_set: str) -> str:
  return f'SetPublisher_{training_set}'


class Producer(NamedTuple):
  """kind: one of KINDS; training_set: e.g. 'full', 'kip_50', 'kipset_0' (None for
  Ingest); seed: the seed index of a trainer or evaluator, else None."""
  kind: str
  training_set: Optional[str] = None
  seed: Optional[int] = None


def _normalise(component: str) -> str:
  return component.strip().lower().replace('-', '_')


def parse_node_id(node_id: str) -> Optional[Producer]:
  """A node id or task name -> Producer; None if it is not one of the pipeline's."""
  name = _normalise(node_id)
  match = _SEEDED.match(name)
  if match:
    return Producer(match.group(1), match.group(2), int(match.group(3)))
  match = _KIP_IMPORT.match(name)
  if match:
    return Producer('kipimport', kip_set(int(match.group(1))))
  match = _PER_SET.match(name)
  if match:
    return Producer(match.group(1), match.group(2))
  if name in (_normalise(INGEST), _normalise(DATA_GATE), _normalise(REPORT)):
    return Producer(name)
  return None


def producer_of(uri: str) -> Optional[Producer]:
  """The producer named in an artifact uri: the innermost path component that parses
  as a node id, tolerating a Kubeflow/Vertex '_<task id>' suffix on it."""
  for component in reversed(uri.rstrip('/').split('/')):
    for candidate in (component, re.sub(r'[-_]\d+$', '', component)):
      producer = parse_node_id(candidate)
      if producer is not None:
        return producer
  return None
