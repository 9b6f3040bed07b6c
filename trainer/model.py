"""The networks the trainer fits, built and compiled from hyperparameters.

- `seed_cnn`: the seed notebook's CNN, layer for layer: Conv2D 64 5x5 same ReLU ->
  MaxPool 2 same -> Dropout 0.4 -> Conv2D 128 3x3 same ReLU -> MaxPool 4 same ->
  Dropout 0.4 -> Flatten -> Dense 256 ReLU -> Dropout 0.4 -> Dense 10; Adam.
  `width` is the first convolution's filters (64); the second has 2x and the hidden
  dense layer 4x as many, so the default width reproduces the seed exactly.
- `kip_convnet`: the ConvNet that KIP sets are distilled for: 3 x [Conv2D 3x3 same
  width 128 He-normal, ReLU, AvgPool 2x2] -> Flatten -> Dense 10; Adam. No dropout
  unless a tuner asks for some (then before the last layer).
- the transfer architectures (contracts/architectures.py): `mlp` (Flatten -> Dense 256
  ReLU -> Dense 256 ReLU -> Dense 10), `lenet5` (Conv 6 5x5 same tanh -> AvgPool 2 ->
  Conv 16 5x5 tanh -> AvgPool 2 -> Flatten -> Dense 120 tanh -> Dense 84 tanh -> Dense
  10) and `cnn_bn` (3 x [Conv 3x3 same, BatchNorm, ReLU, MaxPool 2] at 32-64-128
  filters -> GlobalAveragePooling -> Dense 10): what a set made for one network is
  also trained with.

Inputs are (N, 28, 28, 1) float32 in pixel/255 space. The head depends on the loss:

- `ce`: softmax output, categorical cross-entropy on soft (or one-hot) targets; the
  outputs are already probabilities.
- `mse`: linear output regressed onto the KIP-space label vectors (one-hot minus 1/10,
  or learned KIP labels). Its outputs are scores, not probabilities.

Served probabilities are softmax(logits / T) for both heads (`probabilities`): the
logits are the scores, or the log of the softmax head's probabilities; T is the
temperature fitted on the valid split (trainer/calibration.py). Dividing by T keeps
each image's argmax (the predicted class).
"""

from typing import Optional, Union

import keras
import tensorflow as tf

from tfx_distill.contracts.architectures import (ALL_ARCHITECTURES, DEFAULT_DROPOUT,
                                                  DEFAULT_WIDTH)
from tfx_distill.contracts.example_format import IMAGE_SHAPE, NUM_CLASSES
from tfx_distill.trainer.settings import LABEL_LOSSES

INPUT_SHAPE = IMAGE_SHAPE + (1,)


LearningRate = Union[float, keras.optimizers.schedules.LearningRateSchedule]
LOG_FLOOR = 1e-30  # probabilities are floored here before their log


def build_model(architecture: str = 'seed_cnn', label_loss: str = 'ce',
                learning_rate: LearningRate = 1e-3, dropout: Optional[float] = None,
                width: Optional[int] = None, clip_norm: float = 0.0) -> keras.Model:
  """A compiled model (Adam at `learning_rate`, a rate or a schedule; gradients
  clipped to `clip_norm` when > 0); dropout and width default to the architecture's
  own values."""
  if architecture not in ALL_ARCHITECTURES:
    raise ValueError(f'architecture must be one of {ALL_ARCHITECTURES}, '
                     f'got {architecture!r}')
  if label_loss not in LABEL_LOSSES:
    raise ValueError(f'label_loss must be one of {LABEL_LOSSES}, got {label_loss!r}')
  width = DEFAULT_WIDTH[architecture] if width is None else int(width)
  dropout = DEFAULT_DROPOUT[architecture] if dropout is None else float(dropout)
  head = 'softmax' if label_loss == 'ce' else None
  model = BUILDERS[architecture](width, dropout, head)
  loss = (keras.losses.CategoricalCrossentropy() if label_loss == 'ce'
          else keras.losses.MeanSquaredError())
  optimizer = keras.optimizers.Adam(learning_rate=learning_rate,
                                    clipnorm=clip_norm if clip_norm > 0 else None)
  # jit_compile=False: Keras 3 would compile with XLA ('auto'), whose convolutions cost
  # about twice the CPU of TensorFlow's oneDNN kernels here (2.55 against 1.19 ms per
  # image, forward and backward, batch 256); the numbers agree up to rounding.
  model.compile(optimizer=optimizer, loss=loss,
                metrics=[keras.metrics.CategoricalAccuracy(name='accuracy')],
                jit_compile=False)
  return model


def seed_cnn(width: int, dropout: float, head: Optional[str]) -> keras.Model:
  """The seed notebook's CNN (width 64, dropout 0.4, softmax head = the seed)."""
  layers = keras.layers
  return keras.Sequential([
      keras.Input(INPUT_SHAPE, name='images'),
      layers.Conv2D(width, 5, padding='same', activation='relu', name='conv1'),
      layers.MaxPooling2D(2, padding='same', name='pool1'),
      layers.Dropout(dropout, name='dropout1'),
      layers.Conv2D(2 * width, 3, padding='same', activation='relu', name='conv2'),
      layers.MaxPooling2D(4, padding='same', name='pool2'),
      layers.Dropout(dropout, name='dropout2'),
      layers.Flatten(name='flatten'),
      layers.Dense(4 * width, activation='relu', name='hidden'),
      layers.Dropout(dropout, name='dropout3'),
      layers.Dense(NUM_CLASSES, activation=head, name='outputs'),
  ], name='seed_cnn')


def kip_convnet(width: int, dropout: float, head: Optional[str]) -> keras.Model:
  """3 x [conv 3x3, ReLU, 2x2 average pool] at `width` channels, then dense 10."""
  layers = keras.layers
  blocks = []
  for index in range(1, 4):
    blocks += [
        layers.Conv2D(width, 3, padding='same', activation='relu',
                      kernel_initializer='he_normal', name=f'conv{index}'),
        layers.AveragePooling2D(2, name=f'pool{index}'),
    ]
  tail = [layers.Dropout(dropout, name='dropout')] if dropout > 0 else []
  return keras.Sequential(
      [keras.Input(INPUT_SHAPE, name='images'), *blocks, layers.Flatten(name='flatten'),
       *tail, layers.Dense(NUM_CLASSES, activation=head, name='outputs')],
      name='kip_convnet')


def mlp(width: int, dropout: float, head: Optional[str]) -> keras.Model:
  """Two dense layers of `width` ReLU units."""
  layers = keras.layers
  hidden = [layers.Flatten(name='flatten'), layers.Dense(width, activation='relu',
                                                         name='dense1')]
  if dropout:
    hidden.append(layers.Dropout(dropout, name='dropout1'))
  hidden.append(layers.Dense(width, activation='relu', name='dense2'))
  if dropout:
    hidden.append(layers.Dropout(dropout, name='dropout2'))
  return keras.Sequential([keras.Input(INPUT_SHAPE, name='images'), *hidden,
                           layers.Dense(NUM_CLASSES, activation=head, name='outputs')],
                          name='mlp')


def lenet5(width: int, dropout: float, head: Optional[str]) -> keras.Model:
  """LeCun's LeNet-5 (tanh, average pooling); width 6 is the original."""
  layers = keras.layers
  body = [keras.Input(INPUT_SHAPE, name='images'),
          layers.Conv2D(width, 5, padding='same', activation='tanh', name='conv1'),
          layers.AveragePooling2D(2, name='pool1'),
          layers.Conv2D(16 * width // 6, 5, activation='tanh', name='conv2'),
          layers.AveragePooling2D(2, name='pool2'), layers.Flatten(name='flatten'),
          layers.Dense(120, activation='tanh', name='dense1'),
          layers.Dense(84, activation='tanh', name='dense2')]
  if dropout:
    body.append(layers.Dropout(dropout, name='dropout'))
  return keras.Sequential(body + [layers.Dense(NUM_CLASSES, activation=head,
                                               name='outputs')], name='lenet5')


def cnn_bn(width: int, dropout: float, head: Optional[str]) -> keras.Model:
  """A deeper CNN with batch normalisation: 3 x [Conv 3x3, BatchNorm, ReLU, MaxPool 2]
  at width, 2x, 4x filters, global average pooling. Momentum 0.9, not Keras' 0.99: in
  the small-set recipe's few hundred steps the moving statistics must follow the
  weights, or inference answers near chance (tests/transfer/test_transfer.py)."""
  layers = keras.layers
  body = [keras.Input(INPUT_SHAPE, name='images')]
  for index, filters in enumerate((width, 2 * width, 4 * width), start=1):
    body += [layers.Conv2D(filters, 3, padding='same', use_bias=False,
                           name=f'conv{index}'),
             layers.BatchNormalization(momentum=0.9, name=f'bn{index}'),
             layers.ReLU(name=f'relu{index}'),
             layers.MaxPooling2D(2, padding='same', name=f'pool{index}')]
  body.append(layers.GlobalAveragePooling2D(name='gap'))
  if dropout:
    body.append(layers.Dropout(dropout, name='dropout'))
  return keras.Sequential(body + [layers.Dense(NUM_CLASSES, activation=head,
                                               name='outputs')], name='cnn_bn')


BUILDERS = {'seed_cnn': seed_cnn, 'kip_convnet': kip_convnet, 'mlp': mlp,
            'lenet5': lenet5, 'cnn_bn': cnn_bn}


def loss_for(label_loss: str, plain_labels: bool) -> str:
  """The loss a training set is fitted with: plain labels (every label vector is
  one-hot minus 1/10) train as the seed did, with cross-entropy; learned label vectors
  use the configured loss."""
  return 'ce' if plain_labels else label_loss


def logits(outputs: tf.Tensor, label_loss: str) -> tf.Tensor:
  """Logits of model outputs: the MSE head's scores, the softmax head's log-probabilities
  (equal to its pre-softmax outputs up to a constant per image)."""
  if label_loss == 'ce':
    return tf.math.log(tf.maximum(outputs, LOG_FLOOR))
  return outputs


def probabilities(outputs: tf.Tensor, label_loss: str, temperature: float = 1.0) -> tf.Tensor:
  """Class probabilities served for model outputs: softmax(logits / temperature)."""
  return tf.nn.softmax(logits(outputs, label_loss) / temperature, axis=-1)
