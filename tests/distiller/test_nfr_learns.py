"""nfr does what it is for: its loss falls and the set it returns beats its initial
support on data where one real image per class is a poor training set; keep-best
returns the best-scored support, earlier or later; the fit score measures training;
the support's gradient is the loss's (finite differences).

Each test names in a comment the product change ("mutation") it was checked to catch:
the change was made once, the test failed, and the change was undone.

The networks are narrowed to WIDTH channels (`networks.width_of` patched) so that a
step costs milliseconds; the method is the same at any width.
"""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.components.distiller import keep_best, model_pool, networks, nfr
from tfx_distill.components.distiller.feature_regression import make_support_grad
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import NfrSettings
from tfx_distill.contracts.example_format import plain_label_vectors, unstandardise
from tests.distiller.test_distill import _digits

WIDTH = 16
# 30 images per class: 10 per class held out for keep-best, 20 target candidates. No
# shifts (the patterns are coarse, but a fit on 10 images is short). Fits of 2 networks
# x 60 steps: one network's score alone is too noisy to compare sets.
HARD = NfrSettings(steps=30, learning_rate=0.05, target_batch=100, init='random',
                   pool_models=2, reset_every=10, model_lr=0.005, model_shift=0,
                   holdout=100, keep_best='fit', eval_every=15, eval_models=2,
                   eval_fit_steps=60, seed=0)


@pytest.fixture
def narrow(monkeypatch):
  monkeypatch.setattr(networks, 'width_of', lambda architecture: WIDTH)


def _smooth(rng, count):
  """Random patterns, constant on 4x4 blocks: (count, 28, 28)."""
  return np.kron(rng.normal(size=(count, 7, 7)), np.ones((4, 4)))


def _hard_digits(per_class=30, seed=0):
  """Overlapping classes: each image is grey plus its class's pattern (0.3), a pattern
  of its own as strong (0.3) and pixel noise (0.1), clipped to [0, 1]. A network trained
  on one real image per class scores about 0.3-0.5 on the others, on the class means
  about 0.7."""
  rng = np.random.default_rng(seed)
  patterns = _smooth(rng, 10)
  labels = rng.permutation(np.repeat(np.arange(10), per_class))
  images = (0.5 + 0.3 * patterns[labels] + 0.3 * _smooth(rng, len(labels))
            + 0.1 * rng.normal(size=(len(labels), 28, 28)))
  return np.clip(images, 0.0, 1.0).astype(np.float32), labels


_SCORE = keep_best.Scorer.__call__  # the real score, unpatched


def _record_scores(monkeypatch, score_of_step=None):
  """Patches the keep-best scorer to record (step, score, images, labels) of every call;
  with `score_of_step`, the score is that function of the step instead of the real one."""
  seen = []

  def recording(self, state, images, labels):
    score = (_SCORE(self, state, images, labels) if score_of_step is None
             else score_of_step(state.step))
    seen.append((state.step, score, images.copy(), labels.copy()))
    return score

  monkeypatch.setattr(keep_best.Scorer, '__call__', recording)
  return seen


def test_nfr_lowers_its_loss_and_returns_a_set_that_beats_its_initial_support(
    narrow, monkeypatch):
  """Mutations caught: the support's gradient made zero in nfr.support_step (g_x, g_y
  times 0: the loss still falls to about 0.8 of the first, the pool models learn the
  support, and no later support scores better); its sign flipped (gradient ascent)."""
  images, labels = _hard_digits()
  seen = _record_scores(monkeypatch)
  losses = []
  job = Job(images, labels, 1, 'kip_convnet',
            progress=lambda step, loss, acc: losses.append(loss))
  result = nfr.run_nfr(job, HARD.validate(), log_every=1)
  # The loss of step k is the support's before its k-th update: losses[0] is the
  # initial support's.
  assert len(losses) == HARD.steps
  assert np.mean(losses[-10:]) < 0.7 * losses[0], losses
  assert [step for step, *_ in seen] == [0, 15, 30]
  initial_score, initial_images = seen[0][1], seen[0][2]
  assert initial_score < 0.5  # the initial support is far from perfect
  assert result.info['best_step'] > 0
  assert result.info['best_score'] >= initial_score + 0.05, seen
  # Scored again by networks keep-best never saw (another seed): keep-best picked the
  # maximum of noisy scores, so its own score of the kept set is optimistic.
  _, held = keep_best.split_holdout(labels, HARD)
  other = keep_best.Scorer(dataclasses.replace(HARD, seed=100), 'kip_convnet', 'flatten',
                           images[held][..., None], labels[held], None)
  initial = _SCORE(other, None, initial_images, plain_label_vectors(np.arange(10)))
  kept = _SCORE(other, None, unstandardise(result.images), result.labels)
  assert kept >= initial + 0.05, (initial, kept)


@pytest.mark.parametrize('scores,steps,kept_step', [
    ({0: 0.2, 2: 0.5, 4: 0.9, 6: 0.4}, 6, 4),  # a later support is better
    ({0: 0.9, 2: 0.5, 4: 0.6, 6: 0.4}, 6, 0),  # the initial one is
    ({0: 0.3, 2: 0.7, 4: 0.7, 6: 0.5}, 6, 2),  # a tie keeps the earlier
    ({0: 0.3, 2: 0.5, 4: 0.4, 5: 0.6}, 5, 5),  # the last iterate (off the grid) wins
], ids=['later', 'initial', 'tie', 'last_iterate'])
def test_keep_best_returns_the_support_of_the_best_score(narrow, monkeypatch, scores,
                                                         steps, kept_step):
  """Scores scripted by step, on supports that really change. Mutations caught, in
  run_nfr: keep the first support (`keep and score > state.best_score` made
  `keep and state.best_score < 0`: 'later' and 'tie' fail); keep the latest (made
  `keep`: all four fail); the last iterate never competes (its `score >
  state.best_score` made False: 'last_iterate' fails)."""
  seen = _record_scores(monkeypatch, scores.get)
  settings = dataclasses.replace(HARD, steps=steps, eval_every=2, target_batch=40,
                                 keep_best='krr_pool')
  images, labels = _hard_digits(per_class=15)
  result = nfr.run_nfr(Job(images, labels, 1, 'kip_convnet'), settings.validate())
  assert [step for step, *_ in seen] == sorted(scores)
  supports = {step: (nfr.to_kip_format(x), y) for step, _, x, y in seen}
  for step, (x, y) in supports.items():
    same = np.array_equal(result.images, x) and np.array_equal(result.labels, y)
    assert same == (step == kept_step), step
  on_grid = max(score for step, score in scores.items() if step % 2 == 0)
  assert result.info['best_score'] == on_grid
  # The record says which step it returned, and whether that is the initial support
  # (real images: the executor and `tfx-distill distill` then warn).
  assert result.info['returned_step'] == kept_step
  assert result.info['returned_initial_support'] == float(kept_step == 0)
  assert ('initial support' in keep_best.initial_support_warning('nfr', 1, result.info)
          and '0.900 at step 0' in keep_best.initial_support_warning(
              'nfr', 1, {'best_score': 0.9, 'last_score': 0.4}))


def test_fit_score_rises_with_training_on_the_right_labels(narrow):
  """The fit score of one real image per class: trained with its labels, it beats the
  same images with every label wrong (each class given the next one's vector) and the
  untrained networks (eval_fit_steps 0). Mutations caught, in Scorer.fit_accuracy: the
  fit loop skipped (steps = 0); the labels ignored (trained on zeros); the labels
  decoupled from their images (sorted over the batch)."""
  images, labels = _digits(per_class=12)
  images = images.reshape(-1, 28, 28, 1)
  settings = dataclasses.replace(HARD, holdout=60, eval_models=1)
  candidates, held = keep_best.split_holdout(labels, settings)
  support = images[[candidates[labels[candidates] == c][0] for c in range(10)]]

  def scorer(fit_steps):
    return keep_best.Scorer(dataclasses.replace(settings, eval_fit_steps=fit_steps),
                            'kip_convnet', 'flatten', images[held], labels[held], None)

  right = plain_label_vectors(np.arange(10))
  fit = scorer(settings.eval_fit_steps)
  trained = fit(None, support, right)
  untrained = scorer(0)(None, support, right)
  wrong = fit(None, support, np.roll(right, 1, axis=0))
  assert trained >= untrained + 0.6, (trained, untrained)
  assert trained >= wrong + 0.6, (trained, wrong)
  assert trained >= 0.9


@pytest.mark.parametrize('architecture,kind,ridge', [
    ('kip_convnet', 'flatten', 1e-6),  # nfr's default ridge
    ('seed_cnn', 'flatten_hidden', 0.1),  # a large ridge
])
def test_support_gradient_matches_central_differences(architecture, kind, ridge):
  """d loss / d (support images, labels) of nfr's feature regression, against central
  differences of the loss along random directions, all in float64 (they agree to
  about 1e-7 relative). Mutations caught: the images' or the labels' gradient zeroed
  (g_x * 0 or g_y * 0 in make_support_grad); the ridge's trace(K)/n scale treated as a
  constant (tf.stop_gradient in krr.regularised_gram: 3e-5 relative off even at ridge
  1e-6, the support's Gram matrix having a condition number of about 200)."""
  rng = np.random.default_rng(3)
  params = [tf.constant(p, tf.float64)
            for p in networks.init_params(architecture, 4, (3, 0))]
  x_s = tf.constant(rng.uniform(0, 1, (3, 28, 28, 1)))
  y_s = tf.constant(plain_label_vectors(np.arange(3)) + rng.normal(0, 0.1, (3, 10)))
  x_t = tf.constant(rng.uniform(0, 1, (5, 28, 28, 1)))
  y_t = tf.constant(plain_label_vectors(rng.integers(0, 10, 5)).astype(np.float64))
  grad_fn = make_support_grad(architecture, kind, ridge)
  loss, _, g_x, g_y = grad_fn(params, x_s, y_s, x_t, y_t)
  assert loss.dtype == tf.float64 and g_x.dtype == tf.float64

  def loss_at(x, y):
    return float(grad_fn(params, tf.constant(x), tf.constant(y), x_t, y_t)[0])

  h = 1e-5
  x0, y0 = x_s.numpy(), y_s.numpy()
  for k in range(3):
    d_x = rng.normal(size=x0.shape)
    d_y = rng.normal(size=y0.shape) if k < 2 else np.zeros_like(y0)
    if k == 0:
      d_x[:] = 0.0  # labels only, then both, then images only
    numeric = (loss_at(x0 + h * d_x, y0 + h * d_y)
               - loss_at(x0 - h * d_x, y0 - h * d_y)) / (2 * h)
    analytic = np.sum(g_x.numpy() * d_x) + np.sum(g_y.numpy() * d_y)
    assert abs(numeric) > 1e-6  # not a comparison of zeros
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, err_msg=f'direction {k}')


@pytest.mark.parametrize('learn_labels', [True, False])
def test_a_support_step_moves_the_labels_against_their_gradient(narrow, learn_labels):
  """One support step: with learn_labels every label entry moves by Adam's first step
  against its gradient (-lr * sign(g) where |g| >> Adam's epsilon), read off the
  support gradient the step itself computed; without, the labels stay. Mutation
  caught (issue 23): the label update zeroed where support_step applies it (its
  gradient times 0: the labels stay; test_nfr.py and the tests above stayed green)."""
  images, labels = _hard_digits(per_class=15)
  pool_images = images.reshape(-1, 28, 28, 1)
  settings = dataclasses.replace(HARD, learn_labels=learn_labels,
                                 target_batch=40).validate()
  candidates, _ = keep_best.split_holdout(labels, settings, 1)
  pool = model_pool.Pool(settings, 'kip_convnet')
  state = nfr.initial_state(pool_images, labels, candidates, settings, 1, pool)
  real = make_support_grad('kip_convnet', nfr.feature_kind(settings, 'kip_convnet'),
                           settings.ridge)
  gradients = []

  def grad_fn(*args):
    out = real(*args)
    gradients.append(out[3].numpy())
    return out

  before = state.labels.copy()
  nfr.support_step(state, pool_images, labels, candidates, settings, grad_fn, pool)
  moved = state.labels - before
  if not learn_labels:
    assert np.array_equal(moved, np.zeros_like(moved))
    return
  [g_y] = gradients
  large = np.abs(g_y) > 1e-5
  assert large.mean() > 0.5  # most entries: not a comparison of nothing
  lr = nfr.learning_rate(settings.learning_rate, 0, settings)
  np.testing.assert_allclose(moved[large], -lr * np.sign(g_y[large]), rtol=2e-2)


def test_keep_best_scores_on_the_held_out_images(narrow, monkeypatch):
  """The scorer nfr builds sees exactly the held-out pool images and their classes,
  none of which is a target image. Mutation caught (issue 23): keep-best scored on the
  target images (pool_images[candidates]) instead (the other tests stayed green)."""
  seen = []
  real_init = keep_best.Scorer.__init__

  def recording(self, settings, architecture, kind, images, classes, feature_fn):
    seen.append((np.array(images), np.array(classes)))
    real_init(self, settings, architecture, kind, images, classes, feature_fn)

  monkeypatch.setattr(keep_best.Scorer, '__init__', recording)
  images, labels = _hard_digits(per_class=15)
  settings = dataclasses.replace(HARD, steps=2, eval_every=2, target_batch=40,
                                 keep_best='krr_pool').validate()
  nfr.run_nfr(Job(images, labels, 1, 'kip_convnet'), settings)
  candidates, held = keep_best.split_holdout(labels, settings, 1)
  [(scored_images, scored_classes)] = seen
  np.testing.assert_array_equal(scored_images, images.reshape(-1, 28, 28, 1)[held])
  np.testing.assert_array_equal(scored_classes, labels[held])
  assert len(held) and not set(held.tolist()) & set(candidates.tolist())


def test_support_shift_moves_the_support_inside_the_gradient():
  """support_shift: the loss and gradient are those of the support moved by the
  seed's shifts (the same shifts made by hand, then the unshifted loss's gradient
  taken through them); without a shift, or with another seed, they differ. Mutations
  caught: the shift made outside the tape (the gradient then is the shifted images'
  gradient, not mapped back); the seed ignored."""
  rng = np.random.default_rng(5)
  params = [tf.constant(p) for p in networks.init_params('kip_convnet', 4, (5, 0))]
  x_s = tf.constant(rng.uniform(0, 1, (4, 28, 28, 1)).astype(np.float32))
  y_s = tf.constant(plain_label_vectors(np.arange(4)))
  x_t = tf.constant(rng.uniform(0, 1, (6, 28, 28, 1)).astype(np.float32))
  y_t = tf.constant(plain_label_vectors(rng.integers(0, 10, 6)))
  seed = tf.constant([7, 11], tf.int32)
  shifted = make_support_grad('kip_convnet', 'flatten', 1e-6, max_shift=3)
  plain = make_support_grad('kip_convnet', 'flatten', 1e-6)
  loss, _, g_x, g_y = shifted(params, x_s, y_s, x_t, y_t, seed)
  offsets = tf.random.stateless_uniform([4, 2], seed, -3, 4, dtype=tf.int32)
  assert np.any(offsets.numpy() != 0)
  with tf.GradientTape() as tape:
    tape.watch(x_s)
    moved = networks.shift_images(x_s, offsets, 3)
    loss_by_hand, _, g_moved, g_y_by_hand = plain(params, moved, y_s, x_t, y_t)
  np.testing.assert_allclose(float(loss), float(loss_by_hand), rtol=1e-6)
  np.testing.assert_allclose(g_y.numpy(), g_y_by_hand.numpy(), rtol=1e-4, atol=1e-8)
  # dL/dx_s = (d moved / d x_s)^T dL/d moved: the shift's transpose applied to g_moved.
  with tf.GradientTape() as tape:
    tape.watch(x_s)
    moved = networks.shift_images(x_s, offsets, 3)
  by_hand = tape.gradient(moved, x_s, output_gradients=g_moved)
  np.testing.assert_allclose(g_x.numpy(), by_hand.numpy(), rtol=1e-4, atol=1e-8)
  assert not np.allclose(g_x.numpy(), plain(params, x_s, y_s, x_t, y_t)[2].numpy())
  other = shifted(params, x_s, y_s, x_t, y_t, tf.constant([8, 11], tf.int32))
  assert float(other[0]) != float(loss)
