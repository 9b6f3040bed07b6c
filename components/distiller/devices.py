"""Where the distiller computes: on the first visible GPU when there is one, else on the
CPU. Under that device go the random ConvNets' weights and features (per step, and the
pool's cached features), the kernel matrices and the kernel ridge solve, which stays
in float64 (`kip.regularised_gram`; TensorFlow's matrix solve has float64 GPU kernels);
the Adam updates of the small support set stay in numpy on the host.

On a GPU, TensorFlow's op determinism is switched on, so that the same settings give
the same set there too (GPU and CPU results still differ in the last bits).
"""

from typing import List, Sequence

import tensorflow as tf

CPU = '/CPU:0'
FIRST_GPU = '/GPU:0'


def choose_device(gpus: Sequence[str]) -> str:
  """The device to distil on, given the names of the visible (logical) GPUs."""
  return FIRST_GPU if gpus else CPU


def visible_gpus() -> List[str]:
  return [device.name for device in tf.config.list_logical_devices('GPU')]


def distill_device() -> str:
  """The device to distil on in this process; on a GPU, with op determinism on."""
  device = choose_device(visible_gpus())
  if device != CPU:
    tf.config.experimental.enable_op_determinism()
  return device
