"""The on-disk contract every component of tfx-distill reads and writes.

An Examples artifact holds GZIP TFRecord files of `tf.Example` under
`<uri>/Split-<split>/`, one record per image. The ingested data has three splits:
`train` (what models and distillers learn from), `valid` (a stratified slice of the
source's train part that nothing learns from: early stopping and calibration) and
`eval` (TFMA's, for the comparison only). Every training set (the full data, a
distilled or an imported set) carries `train` and a copy of the ingested `valid`, so
that each Trainer finds real held-out images in its own examples. The features:

- `image`: 784 floats, the 28x28 image row-major in pixel/255 space (real images are in
  [0, 1]; distilled images may lie outside it, the trainer decides whether to clip);
- `label`: int64 class 0..9 (for a distilled image: the class it stands for);
- `label_vector`: 10 floats, the regression target in the published KIP space
  (one-hot minus 1/10 for a plain label; arbitrary floats for a learned KIP label).

Helpers here convert between numpy arrays and that format, so that tests, the trainer
and every executor share one definition.
"""

import os
from typing import Dict, Iterator, NamedTuple, Optional

import numpy as np
import tensorflow as tf

IMAGE_KEY = 'image'
LABEL_KEY = 'label'
LABEL_VECTOR_KEY = 'label_vector'
IMAGE_SHAPE = (28, 28)
NUM_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
NUM_CLASSES = 10
# Per-channel mean and std of the MNIST training set, as used by the published KIP sets.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
FILE_FORMAT = 'tfrecords_gzip'
TRAIN, VALID, EVAL = 'train', 'valid', 'eval'  # split names
RECORD_FILE = 'data_tfrecord-00000-of-00001.gz'

FEATURE_SPEC = {
    IMAGE_KEY: tf.io.FixedLenFeature([NUM_PIXELS], tf.float32),
    LABEL_KEY: tf.io.FixedLenFeature([], tf.int64),
    LABEL_VECTOR_KEY: tf.io.FixedLenFeature([NUM_CLASSES], tf.float32),
}


class Split(NamedTuple):
  """One split in memory: images (N, 28, 28) float32 in pixel/255 space, labels (N,)
  int64, label vectors (N, 10) float32 in KIP space."""
  images: np.ndarray
  labels: np.ndarray
  label_vectors: np.ndarray


def plain_label_vectors(labels: np.ndarray) -> np.ndarray:
  """One-hot minus 1/10: the KIP regression target of an unlearned label."""
  return (np.eye(NUM_CLASSES, dtype=np.float32)[labels] - 1.0 / NUM_CLASSES)


def make_split(images: np.ndarray, labels: np.ndarray,
               label_vectors: Optional[np.ndarray] = None) -> Split:
  """Builds a Split, with plain label vectors when none are given."""
  labels = np.asarray(labels, dtype=np.int64)
  if label_vectors is None:
    label_vectors = plain_label_vectors(labels)
  return Split(np.asarray(images, np.float32).reshape((-1,) + IMAGE_SHAPE), labels,
               np.asarray(label_vectors, np.float32))


def standardise(images01: np.ndarray) -> np.ndarray:
  """pixel/255 space -> the standardised space of the published KIP sets."""
  return (images01 - MNIST_MEAN) / MNIST_STD


def unstandardise(images_std: np.ndarray) -> np.ndarray:
  """Standardised KIP space -> pixel/255 space."""
  return images_std * MNIST_STD + MNIST_MEAN


def serialize(image: np.ndarray, label: int, label_vector: np.ndarray) -> bytes:
  """One image as a serialized tf.Example."""
  feature = {
      IMAGE_KEY: tf.train.Feature(
          float_list=tf.train.FloatList(value=image.reshape(-1))),
      LABEL_KEY: tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
      LABEL_VECTOR_KEY: tf.train.Feature(
          float_list=tf.train.FloatList(value=label_vector)),
  }
  return tf.train.Example(
      features=tf.train.Features(feature=feature)).SerializeToString()


def serialized_examples(split: Split) -> Iterator[bytes]:
  """Yields every image of a split as a serialized tf.Example."""
  for image, label, vector in zip(split.images, split.labels, split.label_vectors):
    yield serialize(image, label, vector)


def split_dir(uri: str, split_name: str) -> str:
  return os.path.join(uri, f'Split-{split_name}')


def write_split(uri: str, split_name: str, split: Split) -> str:
  """Writes a split as one GZIP TFRecord file; returns the file's path."""
  directory = split_dir(uri, split_name)
  tf.io.gfile.makedirs(directory)
  path = os.path.join(directory, RECORD_FILE)
  options = tf.io.TFRecordOptions(compression_type='GZIP')
  with tf.io.TFRecordWriter(path, options) as writer:
    for record in serialized_examples(split):
      writer.write(record)
  return path


def split_files(uri: str, split_name: str) -> list:
  """The TFRecord files of one split of an Examples artifact."""
  files = sorted(tf.io.gfile.glob(os.path.join(split_dir(uri, split_name), '*')))
  if not files:
    raise FileNotFoundError(f'{split_dir(uri, split_name)}: no TFRecord files')
  return files


def read_split(uri: str, split_name: str) -> Split:
  """Reads a whole split back into memory (for small sets, tests and reports)."""
  dataset = tf.data.TFRecordDataset(split_files(uri, split_name),
                                    compression_type='GZIP')
  dataset = dataset.batch(4096).map(
      lambda records: tf.io.parse_example(records, FEATURE_SPEC))
  parts: Dict[str, list] = {key: [] for key in FEATURE_SPEC}
  for batch in dataset.as_numpy_iterator():
    for key in FEATURE_SPEC:
      parts[key].append(batch[key])
  if not parts[LABEL_KEY]:
    return make_split(np.zeros((0, NUM_PIXELS)), np.zeros((0,), np.int64))
  return make_split(np.concatenate(parts[IMAGE_KEY]), np.concatenate(parts[LABEL_KEY]),
                    np.concatenate(parts[LABEL_VECTOR_KEY]))
