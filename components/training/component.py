"""The Trainer component (see spec.py)."""

from typing import Any, Dict, Optional, Union

from tfx import types
from tfx.components.trainer.component import Trainer as TfxTrainer
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.proto import trainer_pb2
from tfx.types import standard_artifacts
from tfx.utils import json_utils

from tfx_distill.components.training import executor
from tfx_distill.components.training.spec import (EPOCHS, PIPELINE_KEY, RUN_FN, SEED,
                                                  SEED_INDEX, SMALL_STEPS,
                                                  TRAINING_SET_KEY, TrainingSpec)
from tfx_distill.contracts.identity import TrainingSet

Value = Union[int, data_types.RuntimeParameter]


class Trainer(TfxTrainer):
  """TFX's Trainer running `trainer.task.run_fn` on one training set (a TFX Trainer:
  kubeflow/vertex_training.py gives it TFX's Vertex AI Training executor)."""

  SPEC_CLASS = TrainingSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, examples: types.BaseChannel, schema: types.BaseChannel,
               custom_config: Dict[str, Any], training_set: TrainingSet, seed_index: int,
               pipeline_name: str, epochs: Value, small_steps: Value, seed: Value,
               train_args: trainer_pb2.TrainArgs, eval_args: trainer_pb2.EvalArgs,
               hyperparameters: Optional[types.BaseChannel] = None):
    """custom_config: the TrainSettings' (trainer/settings.py); epochs, small_steps,
    seed: the run's values (or runtime parameters), folded into it when it runs."""
    spec = TrainingSpec(
        examples=examples, schema=schema, hyperparameters=hyperparameters,
        train_args=train_args, eval_args=eval_args, run_fn=RUN_FN,
        custom_config=json_utils.dumps(custom_config),
        model=types.Channel(type=standard_artifacts.Model),
        model_run=types.Channel(type=standard_artifacts.ModelRun),
        **{EPOCHS: epochs, SMALL_STEPS: small_steps, SEED: seed, SEED_INDEX: seed_index,
           TRAINING_SET_KEY: training_set.to_json(), PIPELINE_KEY: pipeline_name})
    base_component.BaseComponent.__init__(self, spec=spec)  # pylint: disable=non-parent-init-called

