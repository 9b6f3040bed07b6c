"""The Trainer executor every replica of a Vertex AI Training CustomJob runs.

TFX's Vertex Trainer executor (kubeflow/vertex_training.py, VertexExecutor) submits a
CustomJob whose every replica, chief and workers alike, runs
`python -m tfx.scripts.run_executor --executor_class_path <this class> ...` with the
same artifacts; Vertex gives each its TF_CONFIG. This module imports only TFX's Trainer
executor, so that a replica starts without the rest of TFX.
"""

import json
import os
from typing import Any, Dict, List

from absl import logging
from tfx.components.trainer import executor as trainer_executor
from tfx.components.util import udf_utils
from tfx.types import Artifact

from tfx_distill.trainer.strategy import chief_in_tf_config


class ReplicaExecutor(trainer_executor.GenericExecutor):
  """TFX's generic Trainer executor as each replica of the CustomJob runs it.

  TFX's raises "run_fn failed to generate model" when `serving_model_dir` does not exist
  once run_fn returns. Only the chief writes the model there (trainer/task.py), so on
  any other replica that check would pass or fail depending on whether the chief had
  already written it, and a worker that finished first would fail the job. Here a
  replica that is not the chief (trainer.strategy.chief_in_tf_config) runs run_fn (the
  training needs every replica) and returns without that check; the chief runs TFX's
  executor unchanged, check included."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]) -> None:
    tf_config = os.environ.get('TF_CONFIG')
    if chief_in_tf_config(tf_config):
      return super().Do(input_dict, output_dict, exec_properties)
    self._log_startup(input_dict, output_dict, exec_properties)
    fn_args = self._GetFnArgs(input_dict, output_dict, exec_properties)
    udf_utils.get_fn(exec_properties, 'run_fn')(fn_args)
    logging.info('Replica %s trained; the chief writes the model to %s',
                 json.loads(tf_config).get('task'), fn_args.serving_model_dir)
    return None
