"""The Ingest component: digits from any source -> GZIP TFRecords of tf.Example with
stratified `train` and `eval` splits."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.ingest import executor

EXAMPLES_KEY = 'examples'


class IngestSpec(ComponentSpec):
  PARAMETERS = {
      'data': ExecutionParameter(type=str),
      'eval_fraction': ExecutionParameter(type=float),
      'eval_source': ExecutionParameter(type=str),
      'max_examples': ExecutionParameter(type=int),
      'seed': ExecutionParameter(type=int),
      'tfds_data_dir': ExecutionParameter(type=str, optional=True),
      'tfds_manual_dir': ExecutionParameter(type=str, optional=True),
  }
  INPUTS = {}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class Ingest(base_component.BaseComponent):
  """Reads `data` (sample | tfds:NAME | idx:DIR | csv:PATH | npz:PATH) and writes
  validated Examples with `train` and `eval` splits."""

  SPEC_CLASS = IngestSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, data: str = 'sample', eval_fraction: float = 0.2,
               eval_source: str = 'split', max_examples: int = 0, seed: int = 0,
               tfds_data_dir: str = '', tfds_manual_dir: str = ''):
    from tfx.types import channel_utils  # pylint: disable=g-import-not-at-top
    spec = IngestSpec(
        data=data, eval_fraction=eval_fraction, eval_source=eval_source,
        max_examples=max_examples, seed=seed, tfds_data_dir=tfds_data_dir,
        tfds_manual_dir=tfds_manual_dir,
        examples=channel_utils.as_channel([standard_artifacts.Examples()]))
    super().__init__(spec=spec)
