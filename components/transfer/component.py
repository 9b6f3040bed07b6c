"""The Transfer component (see spec.py and variants.py)."""

import dataclasses
import json
from typing import Sequence

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils

from tfx_distill.components.transfer import executor
from tfx_distill.components.transfer.spec import (EXAMPLES_KEY, PIPELINE_KEY, RESULT_KEY,
                                                  SEEDS_KEY, SETTINGS_KEY,
                                                  TRAINING_SET_KEY, VARIANTS_KEY,
                                                  TransferResult, TransferSpec)
from tfx_distill.contracts.identity import TrainingSet
from tfx_distill.contracts.parameters import CODE_VERSION
from tfx_distill.trainer.settings import TrainSettings


class Transfer(base_component.BaseComponent):
  """Trains `examples`' train split with every variant; records the accuracies."""

  SPEC_CLASS = TransferSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, examples: types.BaseChannel, settings: TrainSettings,
               variants: Sequence[str], seeds: int, training_set: TrainingSet,
               pipeline_name: str, code_version: str = ''):
    super().__init__(spec=TransferSpec(**{
        EXAMPLES_KEY: examples, VARIANTS_KEY: ','.join(variants),
        SETTINGS_KEY: json.dumps(dataclasses.asdict(settings), sort_keys=True),
        SEEDS_KEY: seeds, TRAINING_SET_KEY: training_set.to_json(),
        PIPELINE_KEY: pipeline_name, CODE_VERSION: code_version,
        RESULT_KEY: channel_utils.as_channel([TransferResult()])}))
