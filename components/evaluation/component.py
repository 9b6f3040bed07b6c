"""The Evaluator component (see spec.py)."""

from typing import Optional, Union

import tensorflow_model_analysis as tfma
from tfx import types
from tfx.components.evaluator.component import Evaluator as TfxEvaluator
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_artifacts
from tfx.utils import json_utils

from tfx_distill.components.evaluation import executor
from tfx_distill.components.evaluation.spec import (MAX_DROP, MIN_ACCURACY, PIPELINE_KEY,
                                                    SEED_INDEX, TRAINING_SET_KEY,
                                                    EvaluationSpec)
from tfx_distill.contracts.identity import TrainingSet
from tfx_distill.contracts.parameters import CODE_VERSION

Value = Union[float, data_types.RuntimeParameter]


class Evaluator(TfxEvaluator):
  """TFX's Evaluator of one model, against `baseline_model` when given."""

  SPEC_CLASS = EvaluationSpec
  EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

  def __init__(self, examples: types.BaseChannel, model: types.BaseChannel,
               eval_config: tfma.EvalConfig, training_set: TrainingSet, seed_index: int,
               pipeline_name: str, min_accuracy: Value, max_drop: Value,
               baseline_model: Optional[types.BaseChannel] = None,
               code_version: str = ''):
    """eval_config: blessing/eval_config.py's; min_accuracy, max_drop: the run's values
    (or runtime parameters), set in it when it runs."""
    spec = EvaluationSpec(
        examples=examples, model=model, baseline_model=baseline_model,
        eval_config=eval_config, example_splits=json_utils.dumps(None),
        fairness_indicator_thresholds=json_utils.dumps(None),
        evaluation=types.Channel(type=standard_artifacts.ModelEvaluation),
        blessing=types.Channel(type=standard_artifacts.ModelBlessing),
        **{MIN_ACCURACY: min_accuracy, MAX_DROP: max_drop,
           TRAINING_SET_KEY: training_set.to_json(), PIPELINE_KEY: pipeline_name,
           SEED_INDEX: seed_index, CODE_VERSION: code_version})
    base_component.BaseComponent.__init__(self, spec=spec)  # pylint: disable=non-parent-init-called
