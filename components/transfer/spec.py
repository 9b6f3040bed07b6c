"""The Transfer component's public face: its keys, its artifact type and its file."""

from tfx.types import standard_artifacts
from tfx.types.artifact import Artifact
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters

EXAMPLES_KEY = 'examples'  # input: the set (its train split) and the eval split
RESULT_KEY = 'transfer'  # output: transfer.json
VARIANTS_KEY = 'variants'  # comma-separated names (variants.py)
SETTINGS_KEY = 'settings'  # the small-set TrainSettings, as JSON
SEEDS_KEY = 'seeds'  # networks per variant (seeds settings.seed + k)
TRAINING_SET_KEY, PIPELINE_KEY = 'training_set', 'pipeline_name'
RESULT_FILE = 'transfer.json'


class TransferResult(Artifact):
  """{variant: {'what', 'accuracies', 'images_processed', 'fit_seconds'}} of one
  training set (transfer.json); its identity in its properties."""
  TYPE_NAME = 'tfx_distill.TransferResult'


class TransferSpec(ComponentSpec):
  PARAMETERS = {VARIANTS_KEY: ExecutionParameter(type=str),
                SETTINGS_KEY: ExecutionParameter(type=str),
                SEEDS_KEY: ExecutionParameter(type=int),
                TRAINING_SET_KEY: ExecutionParameter(type=str),
                PIPELINE_KEY: ExecutionParameter(type=str),
                **cache_key_parameters(CODE_VERSION)}
  INPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
  OUTPUTS = {RESULT_KEY: ChannelParameter(type=TransferResult)}
