"""The KipImport component's interface: the file it reads (and the cache's fingerprints
of that file and of the code) and its input/output keys."""

from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.contracts.parameters import (CODE_VERSION, SOURCE_FINGERPRINT,
                                               cache_key_parameters)

PATH_KEY = 'path'
INDEX_KEY = 'set_index'  # the index-th --kip-set: the imported training set's identity
INGESTED_KEY = 'ingested'  # input: the ingested Examples (their `valid` split is copied)
EXAMPLES_KEY = 'examples'  # output: the imported set as Examples (`train`; `valid` copied)


class KipImportSpec(ComponentSpec):
  PARAMETERS = {PATH_KEY: ExecutionParameter(type=str),
                INDEX_KEY: ExecutionParameter(type=int),
                **cache_key_parameters(SOURCE_FINGERPRINT, CODE_VERSION)}
  INPUTS = {INGESTED_KEY: ChannelParameter(type=standard_artifacts.Examples)}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
