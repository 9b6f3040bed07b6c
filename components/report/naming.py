"""Which node produced an artifact, and for which training set and seed.

The pipeline names its nodes `Trainer_<set>_s<seed>`, `Evaluator_<set>_s<seed>`,
`Distiller_<set>`, `KipImport_<index>` (training set `kipset_<index>`, as
`pipeline.pipeline.kip_set_name`), `Pusher_<set>` and `Ingest`. The local runner puts the
node id in every artifact uri (`<pipeline_root>/<node_id>/<output_key>/<execution_id>`);
Kubeflow and Vertex spell task names in lower case with '-' for '_'
(`trainer-kip-1-s0`), sometimes with a numeric suffix. `producer_of` is the only place
that reads these names.
"""

import re
from typing import NamedTuple, Optional

KINDS = ('trainer', 'evaluator', 'distiller', 'kipimport', 'pusher', 'ingest', 'report')
KIP_SET_PREFIX = 'kipset_'
_SET = r'(full|[a-z]+_\d+)'  # full, <method>_<images per class>, kipset_<index>
_SEEDED = re.compile(r'^(trainer|evaluator)_' + _SET + r'_s(\d+)$')
_PER_SET = re.compile(r'^(distiller|pusher)_' + _SET + r'$')
_KIP_IMPORT = re.compile(r'^kipimport_(\d+)$')


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
    return Producer('kipimport', KIP_SET_PREFIX + match.group(1))
  match = _PER_SET.match(name)
  if match:
    return Producer(match.group(1), match.group(2))
  if name in ('ingest', 'report'):
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
