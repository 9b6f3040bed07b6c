"""The trainer's input pipeline: Examples TFRecords -> (images, targets) batches.

Records are read the TFX way, through `fn_args.data_accessor.tf_dataset_factory` with
SchemaGen's schema (trainer/schema.py checks it first): tfx_bsl's TFExampleRecord
parses them with the schema's features and shapes, and reads the GZIP TFRecords of
`contracts/example_format` as GZIP because their names end in `.gz` (tfx_bsl's
`detect_compression_type`; the artifact's `file_format=tfrecords_gzip` property is what
TFX's split readers consult, and it says the same). Images are reshaped to (28, 28, 1)
in pixel/255 space and optionally clipped to [0, 1] (distilled images drift outside
it). Targets come from `label_vector`:

- `mse`: the label vector as it is (KIP space: one-hot minus 1/10, or learned);
- `ce`: soft targets, (label_vector + 1/10) clipped at 0 and renormalised to sum 1.
  A plain label vector gives exactly its one-hot; a learned one keeps the relative
  weight of every class it puts above -1/10 instead of collapsing to its argmax (whose
  class drifted from the image's in 19-24% of learned labels, see the probes). A vector
  with nothing above -1/10 falls back to the one-hot of its argmax.

Every set is parsed once and cached in memory (MNIST-sized sets are at most ~200 MB);
shuffling uses a seeded buffer of SHUFFLE_BUFFER images, which covers any distilled or
bundled set completely. Batches are global: a distribution strategy splits each batch
across its replicas (multi-worker shards by data, so every worker reads every file).
How many batches of which size, and with which shifts, is the plan's
(trainer/recipe.py).
"""

import dataclasses
import functools
import os
from typing import NamedTuple, Sequence, Tuple

import numpy as np
import tensorflow as tf

from tfx_bsl.public import tfxio

from tfx_distill.contracts.example_format import (IMAGE_KEY, IMAGE_SHAPE, LABEL_KEY,
                                                   LABEL_VECTOR_KEY, NUM_CLASSES)

SHUFFLE_BUFFER = 10_000
PARSE_BATCH = 1024
PLAIN_TOLERANCE = 1e-5


@dataclasses.dataclass(frozen=True)
class Summary:
  """What the trainer needs to know about a set before training on it."""
  examples: int
  plain_labels: bool  # every label_vector is one-hot(label) minus 1/10


def expand_patterns(patterns: Sequence[str]) -> list:
  """The files matching TFX file patterns (a directory stands for all its files)."""
  files = []
  for pattern in patterns:
    if tf.io.gfile.isdir(pattern):
      pattern = os.path.join(pattern, '*')
    files.extend(sorted(tf.io.gfile.glob(pattern)))
  if not files:
    raise FileNotFoundError(f'no TFRecord files match {list(patterns)}')
  return files


def read_examples(patterns: Sequence[str], data_accessor, schema,
                  clip_images: bool) -> tf.data.Dataset:
  """Unbatched (image (28, 28, 1), label, label_vector) elements, cached in memory,
  read through a TFX DataAccessor with the schema, in file order."""
  options = tfxio.TensorFlowDatasetOptions(batch_size=PARSE_BATCH, num_epochs=1,
                                           shuffle=False)
  records = data_accessor.tf_dataset_factory(expand_patterns(patterns), options, schema)
  parse = functools.partial(_from_features, clip_images=clip_images)
  return records.map(parse).unbatch().cache()


def _from_features(features, clip_images: bool):
  images = to_images(features[IMAGE_KEY])
  if clip_images:
    images = tf.clip_by_value(images, 0.0, 1.0)
  labels = tf.reshape(features[LABEL_KEY], [-1])
  return images, labels, features[LABEL_VECTOR_KEY]


def to_images(flat: tf.Tensor) -> tf.Tensor:
  """(N, 784) -> (N, 28, 28, 1)."""
  return tf.reshape(flat, (-1,) + IMAGE_SHAPE + (1,))


def summarise(examples: tf.data.Dataset) -> Summary:
  """Counts the examples and checks whether their label vectors are all plain."""
  def step(state, batch):
    count, plain = state
    _, labels, vectors = batch
    expected = tf.one_hot(labels, NUM_CLASSES) - 1.0 / NUM_CLASSES
    agrees = tf.reduce_all(tf.abs(vectors - expected) <= PLAIN_TOLERANCE)
    return count + tf.shape(labels, out_type=tf.int64)[0], tf.logical_and(plain, agrees)

  count, plain = examples.batch(PARSE_BATCH).reduce(
      (tf.constant(0, tf.int64), tf.constant(True)), step)
  return Summary(int(count), bool(plain))


def with_size(examples: tf.data.Dataset, summary: Summary) -> tf.data.Dataset:
  """The examples with their count attached, so that Keras knows an epoch's steps."""
  return examples.apply(tf.data.experimental.assert_cardinality(summary.examples))


def soft_targets(label_vectors: tf.Tensor) -> tf.Tensor:
  """KIP-space label vectors -> probability vectors (see the module docstring)."""
  shifted = tf.maximum(label_vectors + 1.0 / NUM_CLASSES, 0.0)
  total = tf.reduce_sum(shifted, axis=-1, keepdims=True)
  fallback = tf.one_hot(tf.argmax(label_vectors, axis=-1), NUM_CLASSES)
  return tf.where(total > 0.0, shifted / tf.maximum(total, 1e-12), fallback)


def targets(label_vectors: tf.Tensor, label_loss: str) -> tf.Tensor:
  """The regression or classification targets of a loss."""
  if label_loss == 'mse':
    return label_vectors
  if label_loss == 'ce':
    return soft_targets(label_vectors)
  raise ValueError(f"label_loss must be 'mse' or 'ce', got {label_loss!r}")


def shift_images(images: tf.Tensor, seed: tf.Tensor, max_shift: int) -> tf.Tensor:
  """Each image (B, 28, 28, 1) moved by a random whole number of pixels in
  [-max_shift, max_shift] along each axis, zero fill; stateless, from `seed` (2,).
  One gather per axis for the whole batch (a map_fn over images cost 0.6 ms of CPU per
  image here)."""
  size = tf.shape(images)[1]
  padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]])
  offsets = tf.random.stateless_uniform([tf.shape(images)[0], 2], seed, 0,
                                        2 * max_shift + 1, dtype=tf.int32)
  window = tf.range(size)[None, :]
  rows = tf.gather(padded, offsets[:, :1] + window, axis=1, batch_dims=1)
  return tf.gather(rows, offsets[:, 1:] + window, axis=2, batch_dims=1)


def batches(examples: tf.data.Dataset, label_loss: str, batch_size: int, shuffle: bool,
            seed: int, max_shift: int = 0, repeat: bool = False) -> tf.data.Dataset:
  """(images, targets) batches of `batch_size` (global), shuffled with `seed`.

  `repeat` cycles through the set forever, reshuffled every pass, in full batches that
  run across passes (a small set's steps; the plan says how many to take).
  `max_shift` > 0 shifts every image by up to that many pixels, differently each time
  but the same for the same seed (the distillation bench found shifts worth +7 points
  for the CNN on one KIP image per class). Done here, not in the model, so the
  exported model is the plain network."""
  if shuffle:
    examples = examples.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
  if repeat:
    examples = examples.repeat()
  dataset = examples.batch(batch_size, drop_remainder=repeat).map(
      lambda images, labels, vectors: (images, targets(vectors, label_loss)))
  if max_shift > 0:
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    dataset = tf.data.Dataset.zip((dataset, draws)).map(
        lambda batch, draw: (shift_images(batch[0], tf.stack(
            [draw, tf.constant(seed, tf.int64)]), max_shift), batch[1]))
  options = tf.data.Options()
  options.deterministic = True
  options.experimental_distribute.auto_shard_policy = (
      tf.data.experimental.AutoShardPolicy.DATA)
  return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def arrays(examples: tf.data.Dataset) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """A whole set in memory, in file order: images (N, 28, 28, 1), labels (N,) and
  label vectors (N, 10)."""
  parts = ([], [], [])
  for images, labels, vectors in examples.batch(PARSE_BATCH):
    for part, value in zip(parts, (images, labels, vectors)):
      part.append(value.numpy())
  if not parts[0]:
    raise ValueError('no examples')
  return tuple(np.concatenate(part) for part in parts)
