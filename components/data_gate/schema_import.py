"""The established schema, imported into the pipeline: TFX's ImportSchemaGen, where
`schema_file` may also be `packaged`, the curated digits schema this package installs.

`packaged` is resolved when the step runs, to the installed package's copy
(contracts/package_data.py): on the local runner the virtualenv's, in the container
image the wheel's. So a compiled pipeline names no path of the machine that compiled it,
and the `schema_file` runtime parameter still takes any file (local or gs://). The
component also carries a code version for TFX's cache (pipeline/cache_keys.py), which
covers the packaged schema's contents."""

from typing import Any, Dict, List

from tfx import types
from tfx.components.schema_gen.import_schema_gen import executor as import_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs

from tfx_distill.components.data_gate.settings import PACKAGED, packaged_schema
from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters

SCHEMA_FILE_KEY = standard_component_specs.SCHEMA_FILE_KEY


def schema_path(schema_file: str) -> str:
  """The file `schema_file` stands for: the installed curated schema for `packaged`."""
  return packaged_schema() if schema_file == PACKAGED else schema_file


class Executor(import_executor.Executor):
  """TFX's ImportSchemaGen executor, `packaged` resolved where it runs."""

  def Do(self, input_dict: Dict[str, List[types.Artifact]],
         output_dict: Dict[str, List[types.Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    properties = {key: value for key, value in exec_properties.items()
                  if key != CODE_VERSION}
    properties[SCHEMA_FILE_KEY] = schema_path(properties[SCHEMA_FILE_KEY])
    return super().Do(input_dict, output_dict, properties)


class ImportSchemaGenSpec(standard_component_specs.ImportSchemaGenSpec):
  PARAMETERS = {**standard_component_specs.ImportSchemaGenSpec.PARAMETERS,
                **cache_key_parameters(CODE_VERSION)}


class ImportSchemaGen(base_component.BaseComponent):
  """TFX's ImportSchemaGen (same node id, same output `schema`) that also takes
  `packaged`."""

  SPEC_CLASS = ImportSchemaGenSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

  def __init__(self, schema_file: str, code_version: str = ''):
    super().__init__(spec=ImportSchemaGenSpec(**{
        SCHEMA_FILE_KEY: schema_file, CODE_VERSION: code_version,
        standard_component_specs.SCHEMA_KEY: types.Channel(
            type=standard_artifacts.Schema)}))
