"""The Report component: every model of a run in one page (index.html with embedded
figures), summary.json and summary.md, written to a `tfx_distill.Report` artifact.

Inputs: one optional input per upstream output channel it reads (evaluations, model
runs, models, blessings, Examples, pushed models), keyed `<node id>__<output key>` in
lower case; `report_of(nodes, config)` finds them among the pipeline's nodes and builds
a ReportSpec subclass with exactly those keys. Not `tfx.types.channel.union`: union
inputs compile and run on the LocalDagRunner, but TFX 1.16's Kubeflow V2 step builder
rejects them ('TypeError: Only single Channel is supported.'), and the pipeline also
compiles for Kubeflow/Vertex. The executor reads every input the same way and maps each
artifact to its training set and seed by its properties (contracts/identity.py).
"""

import dataclasses
import json
from typing import Dict, Sequence, Type

from tfx.dsl.components.base import base_component, base_node, executor_spec
from tfx.types import channel, channel_utils
from tfx.types.component_spec import ChannelParameter

from tfx_distill.contracts.parameters import CODE_VERSION
from tfx_distill.components.report import executor
from tfx_distill.components.report.spec import (CONFIG_KEY, INPUT_TYPES, REPORT_KEY, Report,
                                                ReportSpec)


def spec_class_for(inputs: Dict[str, channel.BaseChannel]) -> Type[ReportSpec]:
  """A ReportSpec whose INPUTS are the given keys, each optional, typed by its channel."""
  return type('ReportSpec', (ReportSpec,), {
      'INPUTS': {key: ChannelParameter(type=ch.type, optional=True)
                 for key, ch in inputs.items()}})


class ReportComponent(base_component.BaseComponent):
  """Writes the run's report from the given input channels (any keys)."""

  SPEC_CLASS = ReportSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, config: str, inputs: Dict[str, channel.BaseChannel],
               code_version: str = ''):
    spec = spec_class_for(inputs)(**{CONFIG_KEY: config, CODE_VERSION: code_version},
                                  **inputs, **{
        REPORT_KEY: channel_utils.as_channel([Report()])})
    super().__init__(spec=spec)


def input_channels(nodes: Sequence[base_node.BaseNode]) -> Dict[str, channel.BaseChannel]:
  """Every output channel of an INPUT_TYPES type among the components in `nodes`
  (resolvers and other non-components are skipped), keyed '<node id>__<output key>'."""
  found = {}
  for node in nodes:
    if not isinstance(node, base_component.BaseComponent):
      continue
    for output_key, output in node.outputs.items():
      if output.type in INPUT_TYPES:
        found[f'{node.id}__{output_key}'.lower()] = output
  return found


def report_of(nodes: Sequence[base_node.BaseNode], config,
              code_version: str = '') -> ReportComponent:
  """A Report over the components in `nodes`; config: the PipelineConfig dataclass,
  recorded as JSON for provenance; code_version: for TFX's cache."""
  recorded = {**dataclasses.asdict(config), 'pipeline_name': config.pipeline_name}
  return ReportComponent(config=json.dumps(recorded, sort_keys=True),
                         inputs=input_channels(nodes), code_version=code_version)
