"""The one rule from settings and set size to a training plan, and its learning rate."""

import keras
import pytest

from tfx_distill.trainer import recipe
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings

FULL = TrainSettings(epochs=30, patience=3, batch_size=250)
SMALL = SmallSetTraining(steps=300, batch_size=256).settings_for(FULL)


@pytest.mark.parametrize('images,batch', [(10, 10), (100, 100), (500, 256), (60_000, 256)])
def test_small_sets_get_the_same_steps_at_batch_min_of_size_and_batch(images, batch):
  plan = recipe.plan_for(SMALL, images)
  assert (plan.regime, plan.steps, plan.batch_size, plan.repeat) == ('steps', 300, batch, True)
  assert plan.patience == 0 and plan.max_shift == SmallSetTraining.max_shift
  assert plan.steps_per_epoch * (plan.epochs - 1) < 300 <= plan.steps_per_epoch * plan.epochs
  assert plan.epochs <= recipe.HISTORY_POINTS
  assert recipe.images_processed(plan, 300) == 300 * batch


def test_full_set_epochs_with_early_stopping():
  plan = recipe.plan_for(FULL, 7_200)
  assert (plan.regime, plan.steps, plan.epochs, plan.patience) == ('epochs', None, 30, 3)
  assert (plan.batch_size, plan.steps_per_epoch, plan.repeat) == (250, 29, False)
  assert plan.schedule == 'constant' and plan.max_shift == 0
  # 2 whole epochs and 3 steps of the third: 2 x 7,200 + 750 images.
  assert recipe.images_processed(plan, 2 * 29 + 3) == 2 * 7_200 + 750
  assert recipe.images_processed(plan, 29) == 7_200  # the last batch is short


def test_replicas_and_num_steps():
  assert recipe.plan_for(FULL, 1_000, replicas=2).batch_size == 500
  assert recipe.plan_for(SMALL, 100, replicas=2).batch_size == 100
  assert recipe.plan_for(SMALL, 1_000, replicas=2).batch_size == 512
  assert recipe.plan_for(SMALL, 10, train_steps=7).steps == 7
  plan = recipe.plan_for(FULL, 100, train_steps=5)  # batch 250: one step per epoch
  assert (plan.steps, plan.epochs) == (5, 5)
  with pytest.raises(ValueError, match='empty'):
    recipe.plan_for(SMALL, 0)


def test_cosine_schedule_warms_up_then_decays_to_zero():
  plan = recipe.plan_for(SMALL, 10)
  assert plan.warmup_steps == 30  # 10% of 300
  schedule = recipe.learning_rate(plan)
  rate = lambda step: float(schedule(step))  # pylint: disable=unnecessary-lambda-assignment
  peak = plan.learning_rate
  assert rate(0) == 0.0 and rate(15) == pytest.approx(0.5 * peak)
  assert rate(30) == pytest.approx(peak)
  assert rate(165) == pytest.approx(0.5 * peak, rel=1e-3)  # half-way through the decay
  assert rate(300) == pytest.approx(0.0, abs=1e-9)
  constant = SmallSetTraining(schedule='constant', learning_rate=0.01).settings_for(FULL)
  assert recipe.learning_rate(recipe.plan_for(constant, 10)) == 0.01
  assert recipe.learning_rate(recipe.plan_for(FULL, 10)) == FULL.learning_rate
  assert isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule)


def test_small_sets_train_at_their_own_dropout_and_the_full_set_at_its_own():
  full = TrainSettings(dropout=0.4)
  assert SmallSetTraining(dropout=0.25).settings_for(full).dropout == 0.25
  assert SmallSetTraining().settings_for(full).dropout == 0.0
  assert full.dropout == 0.4
