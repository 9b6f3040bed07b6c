"""Reference kernels and predictions the tests compare with (not used by the
distiller): the ConvNet random-feature kernel of two image batches, the closed-form FC
NNGP kernel, and KRR predictions of a finished KIP set under its kernel."""

from typing import Sequence

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import kernels
from tfx_distill.components.distiller.kip import EVAL_STEP
from tfx_distill.components.distiller.krr import regularised_gram
from tfx_distill.components.distiller.settings import KipSettings


def conv_rf_kernel(images_a: tf.Tensor, images_b: tf.Tensor,
                   networks: Sequence[kernels.ConvParams]) -> tf.Tensor:
  """The ConvNet random-feature kernel between two image batches (N, 28, 28, 1)."""
  return kernels.feature_kernel([kernels.conv_features(images_a, p) for p in networks],
                                [kernels.conv_features(images_b, p) for p in networks])


def fc_nngp(x_a: tf.Tensor, x_b: tf.Tensor, depth: int = 1) -> tf.Tensor:
  """The closed-form FC ReLU NNGP kernel (see kernels.fc_kernels)."""
  return kernels.fc_kernels(x_a, x_b, depth)[0]


def kernel_predict(settings: KipSettings, support_images: np.ndarray,
                   support_labels: np.ndarray, query_images: np.ndarray,
                   num_networks: int = 8, batch: int = 1000) -> np.ndarray:
  """KRR predictions for query images from a finished support set under the configured
  kernel (conv_rf: `num_networks` fixed evaluation networks), float64 (Q, 10)."""
  networks = kernels.conv_networks(settings.seed, EVAL_STEP, num_networks, settings.width)
  support = tf.constant(support_images, tf.float32)
  if settings.kernel == 'conv_rf':
    f_s = [kernels.conv_features(support, p) for p in networks]
    k_ss = kernels.feature_kernel(f_s, f_s)
  else:
    f_s = None
    k_ss = kernels.fc_ntk(support, support, settings.fc_depth)
  alpha = tf.linalg.solve(regularised_gram(k_ss, settings.ridge),
                          tf.cast(support_labels, tf.float64))
  preds = []
  for start in range(0, len(query_images), batch):
    query = tf.constant(query_images[start:start + batch], tf.float32)
    if settings.kernel == 'conv_rf':
      k_qs = kernels.feature_kernel([kernels.conv_features(query, p) for p in networks], f_s)
    else:
      k_qs = kernels.fc_ntk(query, support, settings.fc_depth)
    preds.append(tf.matmul(tf.cast(k_qs, tf.float64), alpha).numpy())
  return np.concatenate(preds)
