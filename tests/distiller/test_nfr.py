"""nfr: the ridge solve, the model pool's schedule, keep-best and its holdout,
determinism and resume, on tiny synthetic digits."""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.components.distiller import keep_best, model_pool, networks, nfr
from tfx_distill.components.distiller.checkpoint import load_checkpoint, save_checkpoint
from tfx_distill.components.distiller.feature_regression import feature_krr
from tfx_distill.components.distiller.nfr_state import NfrState
from tfx_distill.components.distiller.random_streams import INIT
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import NfrSettings
from tfx_distill.contracts.errors import ConfigError
from tests.distiller.test_distill import _digits

# 12 digits per class; 2 per class held out; a pool of 2 small networks.
TINY = NfrSettings(steps=4, target_batch=40, holdout=20, pool_models=2, reset_every=4,
                   keep_best='fit', eval_every=2, eval_fit_steps=3, seed=1)


def run(settings=TINY, checkpoint=None, resume=None, **kwargs):
  images, labels = _digits()
  job = Job(images, labels, 1, 'kip_convnet', checkpoint=checkpoint, resume=resume)
  return nfr.run_nfr(job, settings.validate(), **kwargs)


def test_feature_krr_is_the_closed_form_ridge_solution():
  rng = np.random.default_rng(0)
  f_s, f_t, y_s = rng.normal(size=(6, 9)), rng.normal(size=(4, 9)), rng.normal(size=(6, 10))
  ridge = 0.3
  k_ss = f_s @ f_s.T
  expected = (f_t @ f_s.T) @ np.linalg.solve(k_ss + ridge * np.trace(k_ss) / 6 * np.eye(6),
                                             y_s)
  np.testing.assert_allclose(feature_krr(tf.constant(f_s), tf.constant(y_s),
                                         tf.constant(f_t), ridge).numpy(), expected,
                             rtol=1e-10)
  # A tiny ridge interpolates: the support predicts its own labels.
  np.testing.assert_allclose(feature_krr(tf.constant(f_s), tf.constant(y_s),
                                         tf.constant(f_s), 1e-12).numpy(), y_s, atol=1e-6)


def test_pool_ages_are_staggered_and_models_reset_after_reset_every_updates():
  settings = dataclasses.replace(TINY, pool_models=4, reset_every=8)
  images, labels = _digits()
  images = images.reshape(-1, 28, 28, 1)
  pool = model_pool.Pool(settings, 'kip_convnet')
  state = nfr.initial_state(images, labels, np.arange(len(labels)), settings, 1, pool)
  np.testing.assert_array_equal(state.model_age, [0, 2, 4, 6])
  np.testing.assert_array_equal(state.model_generation, [0, 0, 0, 0])
  assert [model_pool.model_slot(s, settings) for s in range(6)] == [0, 1, 2, 3, 0, 1]
  for update in range(1, 3):  # model 3 (age 6) resets at its 2nd update
    pool.train(state, 3, np.random.default_rng(update))
  assert state.model_age[3] == 0 and state.model_generation[3] == 1
  fresh = networks.init_params('kip_convnet', 128, (settings.seed, INIT, 3, 1))
  for got, want in zip(state.params[3], fresh):
    np.testing.assert_array_equal(got, want)
  pool.train(state, 2, np.random.default_rng(0))
  assert state.model_age[2] == 5 and state.model_generation[2] == 0
  assert not np.array_equal(state.params[2][0], networks.init_params(
      'kip_convnet', 128, (settings.seed, INIT, 2, 0))[0])


def record_batches(monkeypatch, module) -> list:
  """The index arrays `module`'s class_balanced_batch draws from now on."""
  drawn = []
  real = module.class_balanced_batch

  def recording(pool_classes, size, rng, candidates=None):
    batch = real(pool_classes, size, rng, candidates)
    drawn.append(batch)
    return batch

  monkeypatch.setattr(module, 'class_balanced_batch', recording)
  return drawn


def test_holdout_is_class_balanced_and_never_a_target_or_initial_image(monkeypatch):
  _, labels = _digits()
  candidates, held = keep_best.split_holdout(labels, TINY)
  assert len(held) == 20 and np.all(np.bincount(labels[held]) == 2)
  assert not set(held) & set(candidates) and len(held) + len(candidates) == len(labels)
  drawn = record_batches(monkeypatch, nfr)
  init = nfr.initial_indices(_digits()[0], labels, candidates, TINY, 1)
  run()
  assert len(drawn) == TINY.steps
  assert not set(np.concatenate(drawn)) & set(held) and not set(init) & set(held)


def test_keep_best_returns_the_best_scored_support(monkeypatch):
  seen = []
  real = keep_best.Scorer.__call__

  def recording(self, state, images, labels):
    score = real(self, state, images, labels)
    seen.append((state.step, score, images.copy(), labels.copy()))
    return score

  monkeypatch.setattr(keep_best.Scorer, '__call__', recording)
  settings = dataclasses.replace(TINY, steps=5, keep_best='krr_pool')
  result = run(settings)
  assert [step for step, *_ in seen] == [0, 2, 4, 5]  # the last iterate competes too
  best = max(range(len(seen)), key=lambda i: (seen[i][1], -i))
  np.testing.assert_array_equal(result.images, nfr.to_kip_format(seen[best][2]))
  np.testing.assert_array_equal(result.labels, seen[best][3])
  assert result.info['best_score'] == max(score for _, score, *_ in seen[:3])


def test_fit_score_is_a_held_out_accuracy_and_repeatable():
  images, labels = _digits()
  images = images.reshape(-1, 28, 28, 1)
  _, held = keep_best.split_holdout(labels, TINY)
  scorer = keep_best.Scorer(TINY, 'kip_convnet', 'flatten', images[held], labels[held],
                            None)
  support = images[:10]
  vectors = np.eye(10, dtype=np.float32)[labels[:10]] - 0.1
  score = scorer(None, support, vectors)
  assert score in {k / 20 for k in range(21)}
  assert scorer(None, support, vectors) == score


def test_same_settings_give_identical_bytes_and_resume_continues_exactly():
  first, second = run(), run()
  assert first.images.tobytes() == second.images.tobytes()
  assert first.labels.tobytes() == second.labels.tobytes()
  other = run(dataclasses.replace(TINY, seed=2))
  assert not np.array_equal(other.images, first.images)
  saved = []
  run(stop_at=3, checkpoint=lambda state: saved.append(NfrState.from_arrays(
      state.to_arrays())))
  assert saved[-1].step == 3
  resumed = run(resume=saved[-1])
  assert resumed.images.tobytes() == first.images.tobytes()
  assert resumed.labels.tobytes() == first.labels.tobytes()


def test_checkpoint_file_round_trip(tmp_path):
  saved = []
  run(stop_at=2, checkpoint=saved.append)
  path = str(tmp_path / 'c.ckpt.npz')
  key = '{"method": "nfr"}'
  save_checkpoint(path, saved[-1], key)
  loaded = load_checkpoint(path, key)
  assert isinstance(loaded, NfrState) and loaded.step == 2
  for name, array in saved[-1].to_arrays().items():
    np.testing.assert_array_equal(loaded.to_arrays()[name], array, err_msg=name)


def test_time_budget_records_the_steps_done():
  result = run(dataclasses.replace(TINY, steps=1000, time_budget_s=1e-3, keep_best='none'))
  assert result.info['stopped_by_budget'] == 1.0 and result.info['steps'] == 1.0
  # Without keep-best there are no scores, and nothing non-finite that ML Metadata
  # would refuse to store as an artifact property.
  assert 'best_score' not in result.info and all(map(math.isfinite, result.info.values()))


@pytest.mark.parametrize('changes,message', [
    ({'holdout': 200}, 'distill.holdout 200 leaves 0 pool images of a class'),
    ({'clip': 'none'}, "distill.clip must be one of ('step', 'output') for nfr"),
])
def test_bad_nfr_settings_are_config_errors(changes, message):
  with pytest.raises(ConfigError, match=message.replace('(', r'\(').replace(')', r'\)')):
    run(dataclasses.replace(TINY, **changes))


def test_a_mixed_pool_holds_and_uses_each_architecture(monkeypatch):
  """--pool-architectures: model j is of the (j mod k)-th architecture, its own weights'
  shapes, trained and used with its own update and gradient; the run resumes from a
  checkpoint as a single-architecture one does, and returns another set than the
  Trainer's architecture alone. Mutations caught: every slot given the first
  architecture (the MLP's weights never appear); the gradient of the Trainer's
  architecture used for every slot (the MLP's weights do not fit it: an error)."""
  monkeypatch.setattr(networks, 'width_of', lambda architecture: 8)
  settings = dataclasses.replace(TINY, pool_architectures='kip_convnet,mlp',
                                 pool_models=3, keep_best='none')
  assert model_pool.architectures_of(settings, 'seed_cnn') == (
      'kip_convnet', 'mlp', 'kip_convnet')
  assert model_pool.architectures_of(TINY, 'seed_cnn') == ('seed_cnn', 'seed_cnn')
  saved = []
  mixed = run(settings, checkpoint=lambda state: saved.append(state.to_arrays()))
  state = NfrState.from_arrays(saved[-1])
  assert [p[0].shape for p in state.params] == [(3, 3, 1, 8), (784, 8), (3, 3, 1, 8)]
  single = run(dataclasses.replace(settings, pool_architectures=''))
  assert not np.array_equal(mixed.images, single.images)
  assert np.isfinite(mixed.images).all() and mixed.info['steps'] == 4


def test_pool_architectures_are_checked():
  with pytest.raises(ConfigError, match='pool_architectures: unknown'):
    NfrSettings(pool_architectures='seed_cnn,resnet').validate()
  with pytest.raises(ConfigError, match='krr_pool'):
    NfrSettings(pool_architectures='seed_cnn,mlp', keep_best='krr_pool').validate()
  NfrSettings(pool_architectures='seed_cnn,mlp,lenet5').validate()


def test_pool_width_scale_widens_the_pool_networks_and_a_run_uses_them():
  settings = dataclasses.replace(TINY, pool_width_scale=0.5, keep_best='none')
  images, labels = _digits()
  pool = model_pool.Pool(settings, 'seed_cnn')
  state = nfr.initial_state(images.reshape(-1, 28, 28, 1), labels,
                            np.arange(len(labels)), settings, 1, pool)
  assert [p.shape for p in state.params[0][:4:2]] == [(5, 5, 1, 32), (3, 3, 32, 64)]
  result = run(settings)  # kip_convnet: width 64 of 128
  assert np.all(np.isfinite(result.images)) and result.info['steps'] == settings.steps
