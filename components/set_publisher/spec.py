"""The SetPublisher component's interface: its inputs (a distilled candidate's KipSet,
and its seed-0 model's blessing, evaluation and push), its parameter (where sets are
published), the PublishedSet artifact and the names of the published files."""

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.components.distiller.spec import KipSet
from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters

KIP_SET_KEY = 'kip_set'  # input: the Distiller's set in the published KIP format
BLESSING_KEY = 'model_blessing'  # input: the seed-0 model's blessing
EVALUATION_KEY = 'evaluation'  # input: the seed-0 model's TFMA evaluation
PUSHED_MODEL_KEY = 'pushed_model'  # input: the Pusher's record of the seed-0 model
PUBLISHED_SET_KEY = 'published_set'  # output
# Where this set's versions go: `<base_directory>/<version of the pushed model>/`.
BASE_DIRECTORY_KEY = 'base_directory'
RECORD_FILE = 'kip_set.json'  # how the set was made and how it scored
# Custom properties of a PublishedSet.
PUBLISHED = 'published'  # 1 when the set was published, else 0
PUBLISHED_TO = 'published_to'  # the version directory
PUBLISHED_VERSION = 'published_version'  # the pushed model's version


class PublishedSet(artifact.Artifact):
  """A published distilled set: a copy of the version directory (`kip_set.npz`,
  `kip_set.json`) under the uri when published, nothing when not."""
  TYPE_NAME = 'tfx_distill.PublishedSet'


class SetPublisherSpec(ComponentSpec):
  PARAMETERS = {
      BASE_DIRECTORY_KEY: ExecutionParameter(type=str),
      **cache_key_parameters(CODE_VERSION),
  }
  INPUTS = {
      KIP_SET_KEY: ChannelParameter(type=KipSet),
      BLESSING_KEY: ChannelParameter(type=standard_artifacts.ModelBlessing),
      EVALUATION_KEY: ChannelParameter(type=standard_artifacts.ModelEvaluation),
      PUSHED_MODEL_KEY: ChannelParameter(type=standard_artifacts.PushedModel),
  }
  OUTPUTS = {PUBLISHED_SET_KEY: ChannelParameter(type=PublishedSet)}
