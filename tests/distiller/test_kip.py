"""KIP: the loss and its gradient, translations, determinism, resuming and the
networks' refresh (KRR and Adam themselves: test_krr.py, test_adam.py)."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.components.distiller import kernels, kip
from tfx_distill.components.distiller.distilled_set import PIXEL_HIGH, PIXEL_LOW
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.krr import krr_loss, krr_predict
from tfx_distill.components.distiller.settings import KipSettings
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import unstandardise
from tests.distiller.kernel_reference import kernel_predict


def _fc_loss(support, labels, target, target_labels):
  k_ss = kernels.fc_ntk(support, support, 2)
  k_ts = kernels.fc_ntk(target, support, 2)
  return krr_loss(krr_predict(k_ts, k_ss, labels, 1e-4), target_labels)


def test_kip_gradient_matches_finite_differences():
  rng = np.random.default_rng(3)
  support = tf.constant(rng.standard_normal((4, 6)))
  labels = tf.constant(rng.standard_normal((4, 3)))
  target = tf.constant(rng.standard_normal((7, 6)))
  target_labels = tf.constant(rng.standard_normal((7, 3)))
  with tf.GradientTape() as tape:
    tape.watch([support, labels])
    loss = _fc_loss(support, labels, target, target_labels)
  g_support, g_labels = tape.gradient(loss, [support, labels])
  for param, grad, index in ((support, g_support, 0), (labels, g_labels, 1)):
    direction = rng.standard_normal(param.shape)
    eps = 1e-6
    args = [support, labels]
    args[index] = param + eps * direction
    plus = _fc_loss(args[0], args[1], target, target_labels)
    args[index] = param - eps * direction
    minus = _fc_loss(args[0], args[1], target, target_labels)
    numeric = (float(plus) - float(minus)) / (2 * eps)
    assert np.isclose(np.sum(grad.numpy() * direction), numeric, rtol=1e-5), index


def test_translate_shifts_each_image_by_its_own_offset():
  images = np.zeros((2, 28, 28, 1), np.float32)
  images[:, 10, 10, 0] = 1.0
  out = kip.translate(tf.constant(images), tf.constant([[1, 0], [0, -2]]), -5.0).numpy()
  assert out[0, 11, 10, 0] == 1.0 and out[1, 10, 8, 0] == 1.0
  assert out[0, 0, 5, 0] == -5.0 and out[1, 5, 27, 0] == -5.0
  assert np.sum(out == 1.0) == 2


def _pool(per_class=20):
  rng = np.random.default_rng(4)
  classes = np.repeat(np.arange(10), per_class)
  images = rng.standard_normal((len(classes), 28, 28, 1)).astype(np.float32) * 0.3
  images[np.arange(len(classes)), 2 + classes * 2, 5:20, 0] += 2.0  # a class stroke
  return images, classes


CONFIG = KipSettings(steps=4, target_batch=50, num_networks=1, width=8, seed=7,
                     augment=True)
IPC = 1


def _job(**callbacks):
  """A KIP job on the pool of _pool() (given in pixel/255 space, as every job is)."""
  images, classes = _pool()
  return Job(unstandardise(images[..., 0]), classes, IPC, **callbacks)


def test_run_kip_is_deterministic_and_reports_progress():
  seen = []
  first = kip.run_kip(_job(progress=lambda *a: seen.append(a)), CONFIG, log_every=1)
  second = kip.run_kip(_job(), CONFIG)
  assert [s[0] for s in seen] == [1, 2, 3, 4]
  assert first.images.shape == (10, 28, 28, 1) and first.labels.shape == (10, 10)
  np.testing.assert_array_equal(first.classes, np.arange(10))
  np.testing.assert_array_equal(first.images, second.images)
  np.testing.assert_array_equal(first.labels, second.labels)
  assert first.images.min() >= PIXEL_LOW and first.images.max() <= PIXEL_HIGH


def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run():
  saved = []
  kip.run_kip(_job(checkpoint=lambda s: saved.append(kip.KipState.from_arrays(
      s.to_arrays()))), dataclasses.replace(CONFIG, steps=2))
  resumed = kip.run_kip(_job(resume=saved[-1]), CONFIG)
  straight = kip.run_kip(_job(), CONFIG)
  assert saved[-1].step == 2
  np.testing.assert_array_equal(resumed.images, straight.images)
  np.testing.assert_array_equal(resumed.labels, straight.labels)


def test_kip_reduces_the_loss_and_learns_labels():
  config = dataclasses.replace(CONFIG, steps=30, augment=False, kernel='fc_ntk',
                               learning_rate=0.05)
  losses = []
  result = kip.run_kip(_job(progress=lambda s, l, a: losses.append(l)), config,
                       log_every=1)
  assert np.mean(losses[-5:]) < np.mean(losses[:5])
  assert not np.allclose(result.labels, np.eye(10) - 0.1)


def test_unknown_clip_mode_is_refused():
  with pytest.raises(ConfigError, match='distill.clip must be one of'):
    dataclasses.replace(CONFIG, clip='sometimes').validate()


def test_kernel_predict_classifies_the_support_itself():
  images, classes = _pool()
  support = images[::20]
  pred = kernel_predict(dataclasses.replace(CONFIG, width=16), support,
                        np.eye(10)[classes[::20]] - 0.1, support, num_networks=2)
  assert np.mean(np.argmax(pred, axis=1) == classes[::20]) == 1.0


def test_refresh_every_shares_networks_and_cached_features_match():
  config = dataclasses.replace(CONFIG, refresh_every=3, num_networks=2)
  same = [kip.step_networks(config, step) for step in (0, 2, 3)]
  np.testing.assert_array_equal(same[0][1][0][0].numpy(), same[1][1][0][0].numpy())
  assert not np.array_equal(same[0][1][0][0].numpy(), same[2][1][0][0].numpy())
  images, classes = _pool()
  batch = np.arange(0, 200, 7)
  cached = kip.TargetFeatures(images, config)(1, batch, same[0])
  direct = kip.TargetFeatures(images, dataclasses.replace(config, refresh_every=1))(
      1, batch, same[0])
  for a, b in zip(cached, direct):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
  first = kip.run_kip(_job(), config)
  np.testing.assert_array_equal(first.images, kip.run_kip(_job(), config).images)
