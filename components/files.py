"""Reading the user's files (local or gs://, through tf.io.gfile), with a DataError
naming the file for every problem."""

import tensorflow as tf

from tfx_distill.components.errors import DataError


def read_bytes(path: str) -> bytes:
  """The whole file, or DataError when it is missing or empty."""
  if not tf.io.gfile.exists(path):
    raise DataError(path, 'file not found')
  with tf.io.gfile.GFile(path, 'rb') as f:
    data = f.read()
  if not data:
    raise DataError(path, 'file is empty')
  return data
