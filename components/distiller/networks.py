"""The Trainer's two architectures and two of the transfer architectures (`mlp`,
`lenet5`; contracts/architectures.py) as raw-TensorFlow parameter lists and forward
passes, for the nfr Distiller's model pool (`--pool-architectures` mixes them): the same
layers, shapes and initialisers as `trainer/model.py` builds in Keras (a test checks that
both give the same outputs for the same weights), but with weights held as numpy arrays,
so that pool models can be checkpointed and every random draw is seeded explicitly.

Inputs are (B, 28, 28, 1) float32 in pixel/255 space (what the Trainer feeds).
"""

import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfx_distill.contracts.architectures import DEFAULT_DROPOUT, DEFAULT_WIDTH
from tfx_distill.contracts.example_format import NUM_CLASSES

Params = List[tf.Tensor]
# Features a kernel can regress on: the dense hidden layer, the flattened convolution
# features, or both (each block scaled by 1/sqrt(its width)).
FEATURES = ('hidden', 'flatten', 'flatten_hidden')


def width_of(architecture: str) -> int:
  """The architecture's own width (the Trainer's default)."""
  return DEFAULT_WIDTH[architecture]


def dropout_of(architecture: str) -> float:
  """The architecture's own dropout (the Trainer's default): 0.4 seed_cnn, 0 kip."""
  return DEFAULT_DROPOUT[architecture]


def _glorot(rng: np.random.Generator, shape: Sequence[int], fan_in: int,
            fan_out: int) -> np.ndarray:
  limit = math.sqrt(6.0 / (fan_in + fan_out))
  return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def _seed_cnn_shapes(width: int):
  w1, w2, wh = width, 2 * width, 4 * width
  flat = 4 * 4 * w2
  return [((5, 5, 1, w1), 25, 25 * w1), ((3, 3, w1, w2), 9 * w1, 9 * w2),
          ((flat, wh), flat, wh), ((wh, NUM_CLASSES), wh, NUM_CLASSES)]


def _mlp_shapes(width: int):
  return [((784, width), 784, width), ((width, width), width, width),
          ((width, NUM_CLASSES), width, NUM_CLASSES)]


def _lenet5_shapes(width: int):
  c2 = 16 * width // 6
  return [((5, 5, 1, width), 25, 25 * width), ((5, 5, width, c2), 25 * width, 25 * c2),
          ((25 * c2, 120), 25 * c2, 120), ((120, 84), 120, 84),
          ((84, NUM_CLASSES), 84, NUM_CLASSES)]


# (kernel shape, fan in, fan out) of each layer of the networks with Keras's default
# initialisers throughout (Glorot-uniform kernels, zero biases).
_GLOROT_LAYERS = {'seed_cnn': _seed_cnn_shapes, 'mlp': _mlp_shapes,
                  'lenet5': _lenet5_shapes}


def init_params(architecture: str, width: int, seed: Sequence[int]) -> List[np.ndarray]:
  """Fresh weights [kernel, bias, ...] from numpy's generator seeded with `seed`:
  seed_cnn, mlp and lenet5 as Keras initialises them (Glorot-uniform kernels, zero
  biases); kip_convnet with He-normal convolutions and a Glorot-uniform readout."""
  rng = np.random.default_rng(list(seed))
  layers = _GLOROT_LAYERS.get(architecture)
  if layers is not None:
    params = []
    for shape, fan_in, fan_out in layers(width):
      params += [_glorot(rng, shape, fan_in, fan_out), np.zeros(shape[-1], np.float32)]
    return params
  params = []
  channels = 1
  for _ in range(3):
    kernel = rng.standard_normal((3, 3, channels, width)).astype(np.float32)
    params += [kernel * np.float32(math.sqrt(2.0 / (9 * channels))),
               np.zeros(width, np.float32)]
    channels = width
  flat = 3 * 3 * width
  params += [_glorot(rng, (flat, NUM_CLASSES), flat, NUM_CLASSES),
             np.zeros(NUM_CLASSES, np.float32)]
  return params


def forward(architecture: str, params: Params, images: tf.Tensor, rate: float = 0.0,
            seed: Optional[tf.Tensor] = None) -> Dict[str, tf.Tensor]:
  """The network on images (B, 28, 28, 1): {'flatten', 'hidden', 'logits'}
  (kip_convnet's hidden is its flatten; mlp's flatten and hidden are its two dense
  layers; lenet5's are its last convolution's output and its last dense layer). Dropout
  (stateless, from `seed` (3, 2) int32) only when rate > 0 and a seed is given, at the
  places the Keras model has it (mlp and lenet5: none in the pool)."""
  def drop(x, k):
    if rate > 0.0 and seed is not None:
      return tf.nn.experimental.stateless_dropout(x, rate, seed[k])
    return x

  if architecture == 'mlp':
    x = tf.reshape(images, [tf.shape(images)[0], -1])
    first = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
    second = tf.nn.relu(tf.matmul(first, params[2]) + params[3])
    return {'flatten': first, 'hidden': second,
            'logits': tf.matmul(second, params[4]) + params[5]}
  if architecture == 'lenet5':
    x = tf.tanh(tf.nn.conv2d(images, params[0], 1, 'SAME') + params[1])
    x = tf.nn.avg_pool2d(x, 2, 2, 'VALID')
    x = tf.tanh(tf.nn.conv2d(x, params[2], 1, 'VALID') + params[3])
    x = tf.nn.avg_pool2d(x, 2, 2, 'VALID')
    flat = tf.reshape(x, [tf.shape(x)[0], -1])
    hidden = tf.tanh(tf.matmul(tf.tanh(tf.matmul(flat, params[4]) + params[5]),
                               params[6]) + params[7])
    return {'flatten': flat, 'hidden': hidden,
            'logits': tf.matmul(hidden, params[8]) + params[9]}

  if architecture == 'seed_cnn':
    x = tf.nn.relu(tf.nn.conv2d(images, params[0], 1, 'SAME') + params[1])
    x = drop(tf.nn.max_pool2d(x, 2, 2, 'SAME'), 0)
    x = tf.nn.relu(tf.nn.conv2d(x, params[2], 1, 'SAME') + params[3])
    x = drop(tf.nn.max_pool2d(x, 4, 4, 'SAME'), 1)
    flat = tf.reshape(x, [tf.shape(x)[0], -1])
    hidden = tf.nn.relu(tf.matmul(flat, params[4]) + params[5])
    logits = tf.matmul(drop(hidden, 2), params[6]) + params[7]
    return {'flatten': flat, 'hidden': hidden, 'logits': logits}
  x = images
  for k in range(3):
    x = tf.nn.relu(tf.nn.conv2d(x, params[2 * k], 1, 'SAME') + params[2 * k + 1])
    x = tf.nn.avg_pool2d(x, 2, 2, 'VALID')
  flat = tf.reshape(x, [tf.shape(x)[0], -1])
  logits = tf.matmul(drop(flat, 0), params[6]) + params[7]
  return {'flatten': flat, 'hidden': flat, 'logits': logits}


def features(architecture: str, kind: str, params: Params, images: tf.Tensor) -> tf.Tensor:
  """Feature rows for the kernel (dropout off): the chosen representation(s), each
  block scaled by 1/sqrt(its width) so that K = F F^T is an average over units."""
  out = forward(architecture, params, images)
  blocks = [out['flatten'], out['hidden']] if kind == 'flatten_hidden' else [out[kind]]
  scaled = [b / tf.sqrt(tf.cast(tf.shape(b)[1], b.dtype)) for b in blocks]
  return scaled[0] if len(scaled) == 1 else tf.concat(scaled, axis=1)


def shift_images(images: tf.Tensor, offsets: tf.Tensor, max_shift: int) -> tf.Tensor:
  """Each image (B, H, W, C) moved by its own integer (dy, dx) in
  [-max_shift, max_shift] (offsets (B, 2) int32), zero (background) fill."""
  if max_shift <= 0:
    return images
  h, w = images.shape[1], images.shape[2]
  padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]])
  rows = max_shift - offsets[:, :1] + tf.range(h)[None, :]
  cols = max_shift - offsets[:, 1:] + tf.range(w)[None, :]
  out = tf.gather(padded, rows, axis=1, batch_dims=1)
  return tf.gather(out, cols, axis=2, batch_dims=1)
