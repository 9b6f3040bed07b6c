"""nfr's raw-TF networks are the Trainer's Keras networks, and their kernel features."""

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.components.distiller import networks
from tfx_distill.components.distiller.settings import POOL_ARCHITECTURES
from tfx_distill.components.distiller.feature_regression import gram
from tfx_distill.trainer.model import build_model


def _images(count, seed=0):
  return np.random.default_rng(seed).uniform(0, 1, (count, 28, 28, 1)).astype(np.float32)


@pytest.mark.parametrize('architecture', POOL_ARCHITECTURES)
def test_forward_equals_the_trainers_keras_model_with_the_same_weights(architecture):
  width = 6 if architecture == 'lenet5' else 8
  params = networks.init_params(architecture, width, (5, 0))
  model = build_model(architecture, 'mse', width=width)
  assert [w.shape for w in model.get_weights()] == [p.shape for p in params]
  model.set_weights(params)
  images = _images(6)
  keras_out = model(images, training=False).numpy()
  raw = networks.forward(architecture, [tf.constant(p) for p in params],
                         tf.constant(images))['logits'].numpy()
  np.testing.assert_allclose(raw, keras_out, rtol=1e-5, atol=1e-5)
  assert np.abs(keras_out).max() > 1e-3  # not a vacuous comparison of zeros


def test_default_width_and_dropout_are_the_trainers():
  for architecture in POOL_ARCHITECTURES:
    model = build_model(architecture, 'mse')
    params = networks.init_params(architecture, networks.width_of(architecture), (0,))
    assert [w.shape for w in model.get_weights()] == [p.shape for p in params]
  assert networks.dropout_of('seed_cnn') == 0.4 and networks.dropout_of('kip_convnet') == 0


def test_feature_kernel_matches_a_direct_numpy_computation():
  params = [tf.constant(p) for p in networks.init_params('seed_cnn', 4, (1,))]
  x_a, x_b = _images(5, 1), _images(3, 2)
  out_a = networks.forward('seed_cnn', params, tf.constant(x_a))
  out_b = networks.forward('seed_cnn', params, tf.constant(x_b))
  expected = 0.0
  for block in ('flatten', 'hidden'):
    f_a = out_a[block].numpy().astype(np.float64)
    f_b = out_b[block].numpy().astype(np.float64)
    expected = expected + f_a @ f_b.T / f_a.shape[1]
  f_a = networks.features('seed_cnn', 'flatten_hidden', params, tf.constant(x_a))
  f_b = networks.features('seed_cnn', 'flatten_hidden', params, tf.constant(x_b))
  np.testing.assert_allclose(gram(f_a, f_b).numpy(), expected, rtol=1e-5)
  hidden = out_a['hidden'].numpy().astype(np.float64)
  f_h = networks.features('seed_cnn', 'hidden', params, tf.constant(x_a))
  np.testing.assert_allclose(gram(f_h, f_h).numpy(), hidden @ hidden.T / hidden.shape[1],
                             rtol=1e-5)


def test_shift_moves_images_with_background_fill():
  images = np.zeros((2, 28, 28, 1), np.float32)
  images[:, 10, 12] = 1.0
  out = networks.shift_images(tf.constant(images), tf.constant([[2, -1], [0, 0]]), 2)
  assert out.numpy()[0, 12, 11, 0] == 1.0 and out.numpy()[0].sum() == 1.0
  np.testing.assert_array_equal(out.numpy()[1], images[1])
