"""Keep-best's fit trains as the Trainer trains a small set: its learning rate is the
Trainer's schedule (Keras CosineDecay with warm-up, trainer/recipe.py), step by step,
and its warm-up share is the small-set recipe's."""

import keras
import numpy as np
import pytest

from tfx_distill.components.distiller import keep_best
from tfx_distill.components.distiller.settings import NfrSettings
from tfx_distill.trainer import recipe
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings


@pytest.mark.parametrize('steps', [1, 2, 7, 30, 300])
def test_rate_is_the_trainers_schedule(steps):
  """Every step's rate equals the Trainer's schedule for the small-set plan of the same
  steps and peak (to float32 rounding). Mutations caught: no warm-up; the cosine over
  all steps instead of the steps after the warm-up; the step 1-based."""
  small = SmallSetTraining(steps=steps, learning_rate=3e-3)
  plan = recipe.plan_for(TrainSettings(small_set=small), images=100)
  schedule = recipe.learning_rate(plan)
  ours = [keep_best.small_set_rate(t, steps, 3e-3) for t in range(steps)]
  keras_rates = [float(keras.ops.convert_to_numpy(schedule(t))) for t in range(steps)]
  np.testing.assert_allclose(ours, keras_rates, rtol=1e-5, atol=1e-9)


def test_fit_defaults_are_the_small_set_recipe():
  """The keep-best fit's defaults are the small-set recipe's defaults: a change to one
  must be made to the other."""
  nfr, small = NfrSettings(), SmallSetTraining()
  assert (nfr.eval_fit_steps, nfr.eval_batch, nfr.eval_lr, nfr.model_shift) == (
      small.steps, small.batch_size, small.learning_rate, small.max_shift)
  assert small.schedule == 'cosine' and small.dropout == 0.0
  assert keep_best.WARMUP_FRACTION == small.warmup_fraction
