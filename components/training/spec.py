"""The Trainer's public face: TFX's TrainerSpec with the parameters the executor folds
into the Trainer's custom_config (trainer/settings.py) before TFX's executor runs, and
the training set it writes on its outputs (contracts/identity.py).

- `epochs`: the full-data model's most epochs (a small set's Trainer ignores it);
- `small_steps`: the optimiser steps of a small set's step recipe (SmallSetTraining;
  the full model's Trainer ignores it);
- `seed`, `seed_index`: the k-th model of a training set trains with seed + k;
- `training_set`: the TrainingSet as JSON (its `work`: a small-set recipe's steps are
  small_steps times it), and `pipeline_name`.
"""

from tfx.types.component_spec import ExecutionParameter
from tfx.types.standard_component_specs import TrainerSpec

EPOCHS, SMALL_STEPS, SEED, SEED_INDEX = 'epochs', 'small_steps', 'seed', 'seed_index'
TRAINING_SET_KEY, PIPELINE_KEY = 'training_set', 'pipeline_name'
TUNABLE = (EPOCHS, SMALL_STEPS, SEED, SEED_INDEX)  # may be runtime parameters
RUN_FN = 'tfx_distill.trainer.task.run_fn'
MODEL_KEY, MODEL_RUN_KEY = 'model', 'model_run'


class TrainingSpec(TrainerSpec):
  PARAMETERS = {**TrainerSpec.PARAMETERS,
                **{key: ExecutionParameter(type=int) for key in TUNABLE},
                TRAINING_SET_KEY: ExecutionParameter(type=str),
                PIPELINE_KEY: ExecutionParameter(type=str)}
