"""What a model is trained on, typed, and written on the artifacts themselves.

A `TrainingSet` says which data (the full train split, a distilled set of a method and
size, an imported KIP file), with which recipe (the full model's epochs, or the small
sets' step recipe) and which architecture. Every artifact made for one (the distilled
or imported examples and set, the Trainer's model and training record, the
Evaluator's evaluation and blessing, the Pusher's push, the published set) carries it
as custom properties, with the model's seed index and the pipeline's name, written by
the step itself, so that on every runner (Kubeflow and Vertex hand artifacts over
without the metadata their spec declares) the Report, the runtime parameters and the
metadata queries read the same typed facts. Node ids and artifact URIs are labels made
from `TrainingSet.name`; nothing parses them.
"""

import dataclasses
import json
from typing import Any, Dict, Mapping, Optional

from tfx_distill.contracts.architectures import DEFAULT_ARCHITECTURE

FULL, DISTILLED, IMPORTED = 'full', 'distilled', 'imported'  # TrainingSet.kind
EPOCHS, SMALL_SET = 'epochs', 'small_set'  # TrainingSet.recipe
FULL_SAME_STEPS = 'full_same_steps'  # the name of the full data with the small-set recipe
KIP_SET_PREFIX = 'kipset_'

# Custom properties (ints reach Vertex's metadata as numbers).
TRAINING_SET = 'training_set'  # the name: full, full_same_steps, nfr_50, kipset_0
PIPELINE = 'pipeline_name'  # PipelineConfig.pipeline_name
SEED = 'model_seed'  # which model of its training set (0 .. --seeds - 1)
_FIELDS = {'kind': 'set_kind', 'method': 'method', 'images_per_class': 'images_per_class',
           'index': 'set_index', 'recipe': 'recipe', 'architecture': 'architecture',
           'variant': 'variant', 'reference': 'reference_set', 'work': 'set_work'}


@dataclasses.dataclass(frozen=True)
class TrainingSet:
  """kind: FULL, DISTILLED or IMPORTED; method and images_per_class: a distilled set's;
  index: an imported set's (the index-th --kip-set); recipe: EPOCHS or SMALL_SET;
  architecture: the network trained on it (contracts/architectures.py); variant: ''
  for the run's own network and recipe, else the name of another (an architecture or a
  recipe the set is also trained with); reference: real images picked without
  distilling, which distilled sets of their size are compared with (the method table's
  `reference`); work: the full data trained with the small sets' recipe for this many
  times a small set's work (each its own schedule), the longer runs of the strongest
  full-data curve."""
  kind: str
  method: str = ''
  images_per_class: int = 0
  index: int = 0
  recipe: str = SMALL_SET
  architecture: str = DEFAULT_ARCHITECTURE
  variant: str = ''
  reference: bool = False
  work: int = 1  # the full data with the small-set recipe: this many times a set's work


  @property
  def data_name(self) -> str:
    """The data's label: `full`, `<method>_<images per class>`, `kipset_<index>`."""
    if self.kind == FULL:
      return FULL
    if self.kind == DISTILLED:
      return f'{self.method}_{self.images_per_class}'
    return f'{KIP_SET_PREFIX}{self.index}'

  @property
  def name(self) -> str:
    """The training set's label (node ids, report rows, serving folders): the data's,
    `full_same_steps` for the full data with the small-set recipe, and the variant."""
    if (self.kind, self.recipe) == (FULL, SMALL_SET):
      name = FULL_SAME_STEPS if self.work == 1 else f'full_{self.work}x_steps'
    else:
      name = self.data_name
    return f'{name}_{self.variant}' if self.variant else name

  @property
  def is_full(self) -> bool:
    """Trained on the whole train split (`full` or `full_same_steps`)."""
    return self.kind == FULL

  def properties(self) -> Dict[str, Any]:
    """The custom properties of an artifact of this training set (bools as 0/1)."""
    found = {TRAINING_SET: self.name}
    found.update({key: int(value) if isinstance(value, bool) else value
                  for key, value in ((key, getattr(self, field))
                                     for field, key in _FIELDS.items())})
    return found

  def to_json(self) -> str:
    return json.dumps(dataclasses.asdict(self), sort_keys=True)

  @classmethod
  def from_json(cls, text: str) -> 'TrainingSet':
    return cls(**json.loads(text))

  @classmethod
  def from_properties(cls, properties: Mapping[str, Any]) -> Optional['TrainingSet']:
    """The training set an artifact's properties name (as plain values), or None for an
    artifact of none (the ingested examples, the data check)."""
    if not properties.get(_FIELDS['kind']):
      return None
    values = {field: properties.get(key) for field, key in _FIELDS.items()}
    for field in ('images_per_class', 'index', 'work'):
      values[field] = int(values[field] or 0)  # Vertex hands numbers over as floats
    values['work'] = values['work'] or 1
    values['reference'] = bool(values['reference'])
    return cls(**{field: value for field, value in values.items() if value is not None})


def full(recipe: str = EPOCHS, architecture: str = DEFAULT_ARCHITECTURE,
         work: int = 1) -> TrainingSet:
  return TrainingSet(FULL, recipe=recipe, architecture=architecture, work=work)


def distilled(method: str, images_per_class: int, architecture: str = DEFAULT_ARCHITECTURE,
              reference: bool = False) -> TrainingSet:
  return TrainingSet(DISTILLED, method, images_per_class, architecture=architecture,
                     reference=reference)


def imported(index: int, architecture: str = DEFAULT_ARCHITECTURE) -> TrainingSet:
  return TrainingSet(IMPORTED, index=index, architecture=architecture)


def model_properties(training_set: TrainingSet, pipeline: str, seed: int) -> Dict[str, Any]:
  """The custom properties of the seed-th model of `training_set` and of everything made
  from it (its evaluation, blessing, push): the full model's baseline is the latest
  blessed model 0 of `full`."""
  return {**training_set.properties(), PIPELINE: pipeline, SEED: seed}


def labels(training_set: str, pipeline: str) -> Dict[str, str]:
  """The Vertex AI Model Registry's labels of a pushed model of the named training set."""
  return {TRAINING_SET: training_set, PIPELINE: pipeline}


def write(artifact, properties: Mapping[str, Any]) -> None:
  """Sets `properties` on a TFX artifact as custom properties."""
  for key, value in properties.items():
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
      raise TypeError(f'{key}: {value!r} is not an int, float or str')
    if isinstance(value, int):
      artifact.set_int_custom_property(key, value)
    elif isinstance(value, float):
      artifact.set_float_custom_property(key, value)
    else:
      artifact.set_string_custom_property(key, value)


JSON_SINGLE_VALUE_KEY = '__value__'  # tfx.types.artifact's key of a non-dict JSON value


def plain_value(value) -> Any:
  """An ML Metadata property value (metadata_store_pb2.Value) as a Python value (None
  if unset). A JSON value (a struct) is decoded as TFX encodes it: on Kubeflow and
  Vertex every custom property of an input artifact reaches the executor as one
  (`pushed`: {'__value__': 1.0}), TFX's container entry point turning the artifact's
  metadata into structs (TFX's own getter returns None for a struct of 0 or '')."""
  kind = value.WhichOneof('value')
  if kind == 'struct_value':
    from google.protobuf import json_format  # pylint: disable=g-import-not-at-top
    decoded = json_format.MessageToDict(value.struct_value)
    return decoded.get(JSON_SINGLE_VALUE_KEY, decoded)
  return getattr(value, kind) if kind in ('int_value', 'double_value', 'string_value',
                                          'bool_value') else None


def read(artifact) -> Dict[str, Any]:
  """A TFX artifact's identity properties as plain values."""
  keys = [TRAINING_SET, PIPELINE, SEED, *_FIELDS.values()]
  properties = artifact.mlmd_artifact.custom_properties
  return {key: plain_value(properties[key]) for key in keys if key in properties}


def copy(source, target) -> None:
  """Gives `target` the identity properties of `source` (both TFX artifacts)."""
  found = read(source)
  for key in (SEED, *(_FIELDS[f] for f in ('images_per_class', 'index', 'reference',
                                             'work'))):
    if key in found:
      found[key] = int(found[key])
  write(target, found)
