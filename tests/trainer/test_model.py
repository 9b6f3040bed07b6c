"""The two architectures, their heads and the losses on soft labels."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.trainer import model as model_lib
from tfx_distill.trainer.data import soft_targets

SEED_LAYERS = [
    ('Conv2D', {'filters': 64, 'kernel_size': (5, 5), 'padding': 'same',
                'activation': 'relu'}),
    ('MaxPooling2D', {'pool_size': (2, 2), 'strides': (2, 2), 'padding': 'same'}),
    ('Dropout', {'rate': 0.4}),
    ('Conv2D', {'filters': 128, 'kernel_size': (3, 3), 'padding': 'same',
                'activation': 'relu'}),
    ('MaxPooling2D', {'pool_size': (4, 4), 'strides': (4, 4), 'padding': 'same'}),
    ('Dropout', {'rate': 0.4}),
    ('Flatten', {}),
    ('Dense', {'units': 256, 'activation': 'relu'}),
    ('Dropout', {'rate': 0.4}),
    ('Dense', {'units': 10, 'activation': 'softmax'}),
]
# conv1 5*5*64+64, conv2 3*3*64*128+128, hidden 4*4*128*256+256, outputs 256*10+10
SEED_PARAMS = 1_664 + 73_856 + 524_544 + 2_570


def layer_summary(model):
  return [(type(layer).__name__, {key: layer.get_config()[key] for key in expected})
          for layer, (_, expected) in zip(model.layers, SEED_LAYERS)]


def test_seed_cnn_is_the_notebooks_cnn():
  model = model_lib.build_model('seed_cnn', 'ce')
  assert [type(layer).__name__ for layer in model.layers] == [n for n, _ in SEED_LAYERS]
  assert layer_summary(model) == SEED_LAYERS
  assert model.count_params() == SEED_PARAMS
  assert model.input_shape == (None, 28, 28, 1)
  assert model.output_shape == (None, 10)
  assert isinstance(model.optimizer, keras.optimizers.Adam)
  assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
  assert isinstance(model.loss, keras.losses.CategoricalCrossentropy)


def test_mse_head_is_linear_with_the_same_layers():
  model = model_lib.build_model('seed_cnn', 'mse')
  assert model.layers[-1].get_config()['activation'] == 'linear'
  assert model.count_params() == SEED_PARAMS
  assert isinstance(model.loss, keras.losses.MeanSquaredError)
  images = np.zeros((2, 28, 28, 1), np.float32)
  vectors = np.eye(10, dtype=np.float32)[[1, 2]] - 0.1
  assert set(model.evaluate(images, vectors, verbose=0, return_dict=True)) == {
      'loss', 'accuracy'}


def test_hyperparameters_change_width_dropout_and_learning_rate():
  model = model_lib.build_model('seed_cnn', 'ce', learning_rate=0.01, dropout=0.2, width=8)
  assert [layer.filters for layer in model.layers if hasattr(layer, 'filters')] == [8, 16]
  assert {layer.rate for layer in model.layers if hasattr(layer, 'rate')} == {0.2}
  assert model.get_layer('hidden').units == 32
  assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_kip_convnet():
  model = model_lib.build_model('kip_convnet', 'mse')
  names = [type(layer).__name__ for layer in model.layers]
  assert names == ['Conv2D', 'AveragePooling2D'] * 3 + ['Flatten', 'Dense']
  assert {layer.filters for layer in model.layers if hasattr(layer, 'filters')} == {128}
  assert all(layer.kernel_size == (3, 3) for layer in model.layers[0:6:2])
  # 28 -> 14 -> 7 -> 3; conv1 9*128+128, conv2/3 9*128*128+128, dense 3*3*128*10+10
  assert model.count_params() == 1_280 + 2 * 147_584 + 11_530
  assert model.layers[-1].get_config()['activation'] == 'linear'
  assert type(model_lib.build_model('kip_convnet', 'ce', dropout=0.3).layers[-2]
              ).__name__ == 'Dropout'


def test_bad_names_are_rejected():
  with pytest.raises(ValueError, match='architecture'):
    model_lib.build_model('resnet', 'ce')
  with pytest.raises(ValueError, match='label_loss'):
    model_lib.build_model('seed_cnn', 'hinge')


def test_soft_targets():
  plain = np.eye(10, dtype=np.float32)[[3, 7]] - 0.1
  np.testing.assert_array_equal(soft_targets(plain).numpy(), np.eye(10)[[3, 7]])
  learned = np.full((1, 10), -0.1, np.float32)
  learned[0, 2], learned[0, 5] = 0.5, 0.1  # shifted: 0.6 and 0.2 -> 0.75 and 0.25
  np.testing.assert_allclose(soft_targets(learned).numpy()[0, [2, 5]], [0.75, 0.25])
  hopeless = np.full((1, 10), -0.5, np.float32)
  hopeless[0, 4] = -0.2
  np.testing.assert_array_equal(soft_targets(hopeless).numpy(), np.eye(10)[[4]])


def test_losses_on_soft_labels():
  targets = soft_targets(np.array([[0.5, 0.1] + [-0.1] * 8], np.float32))
  keras.utils.set_random_seed(0)
  images = np.random.default_rng(0).random((1, 28, 28, 1), np.float32)
  model = model_lib.build_model('seed_cnn', 'ce')
  probs = model(images, training=False).numpy()
  expected = -np.sum(targets.numpy() * np.log(probs))
  assert float(model.loss(targets, probs)) == pytest.approx(expected, rel=1e-5)

  vectors = np.array([[0.7, -0.3] + [-0.1] * 8], np.float32)
  mse = model_lib.build_model('seed_cnn', 'mse')
  scores = mse(images, training=False).numpy()
  assert float(mse.loss(vectors, scores)) == pytest.approx(
      np.mean((vectors - scores) ** 2), rel=1e-5)
  np.testing.assert_allclose(model_lib.probabilities(tf.constant(scores), 'mse'),
                             tf.nn.softmax(scores), rtol=1e-6)


def test_plain_labels_train_with_cross_entropy():
  assert model_lib.loss_for('mse', plain_labels=True) == 'ce'
  assert model_lib.loss_for('mse', plain_labels=False) == 'mse'
  assert model_lib.loss_for('ce', plain_labels=False) == 'ce'

