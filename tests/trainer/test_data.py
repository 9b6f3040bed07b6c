"""The input pipeline on tiny Examples sets, read through TFX's DataAccessor with the
schema, as run_fn reads them."""

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.trainer import data
from tfx_distill.trainer.schema import load_schema

from tests.trainer.conftest import (TRAIN_IMAGES, learned_split, make_fn_args, sample_digits,
                                    train_pattern)


def read(tmp_path, uri, clip_images=True):
  args = make_fn_args(tmp_path, uri, {})
  return data.read_examples(args.train_files, args.data_accessor,
                            load_schema(args.schema_path), clip_images)


def test_reads_plain_examples(tmp_path, plain_examples):
  examples = read(tmp_path, plain_examples)
  assert data.summarise(examples) == data.Summary(TRAIN_IMAGES, True)
  images, labels, vectors = data.arrays(examples)
  expected_images, expected_labels = sample_digits(TRAIN_IMAGES)
  np.testing.assert_allclose(images[..., 0], expected_images, atol=1e-7)
  np.testing.assert_array_equal(labels, expected_labels)
  np.testing.assert_allclose(data.targets(vectors, 'ce'), np.eye(10)[expected_labels],
                             atol=1e-6)


def test_learned_examples_clip_and_targets(tmp_path, learned_examples):
  assert data.summarise(read(tmp_path, learned_examples)) == data.Summary(20, False)
  split = learned_split(20)
  clipped, _, vectors = data.arrays(read(tmp_path, learned_examples, clip_images=True))
  raw, _, _ = data.arrays(read(tmp_path, learned_examples, clip_images=False))
  soft = data.targets(vectors, 'ce').numpy()
  assert clipped.min() == 0.0 and clipped.max() == 1.0
  assert raw.min() < 0.0 and raw.max() > 1.0
  np.testing.assert_allclose(raw[..., 0], split.images, atol=1e-6)
  np.testing.assert_allclose(vectors, split.label_vectors, atol=1e-7)
  np.testing.assert_allclose(data.targets(vectors, 'mse'), split.label_vectors, atol=1e-7)
  np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-6)
  assert (soft >= 0).all()


def test_batches_are_global_shuffled_and_seeded(tmp_path, plain_examples):
  examples = read(tmp_path, plain_examples)

  def first_labels(seed):
    batches = list(data.batches(examples, 'ce', 16, shuffle=True, seed=seed)
                   .as_numpy_iterator())
    assert [len(images) for images, _ in batches] == [16, 16, 8]
    assert batches[0][0].shape == (16, 28, 28, 1) and batches[0][1].shape == (16, 10)
    return np.concatenate([targets.argmax(1) for _, targets in batches])

  _, labels, _ = data.arrays(examples)
  assert np.array_equal(first_labels(1), first_labels(1))
  assert not np.array_equal(first_labels(1), first_labels(2))
  assert not np.array_equal(first_labels(1), labels)
  assert sorted(first_labels(1)) == sorted(labels)


def test_repeated_batches_are_full_and_cross_passes(tmp_path, plain_examples):
  examples = read(tmp_path, plain_examples)
  dataset = data.batches(examples, 'ce', 16, shuffle=True, seed=1, repeat=True)
  batches = [targets.argmax(1) for _, targets in dataset.take(5).as_numpy_iterator()]
  assert [len(b) for b in batches] == [16] * 5  # 80 images: two passes over 40
  _, labels, _ = data.arrays(examples)
  first_pass, second_pass = np.concatenate(batches)[:40], np.concatenate(batches)[40:]
  assert sorted(first_pass) == sorted(labels) == sorted(second_pass)
  assert not np.array_equal(first_pass, second_pass)  # reshuffled every pass


def test_shift_images_moves_whole_pixels_with_zero_fill():
  image = np.zeros((1, 28, 28, 1), np.float32)
  image[0, 10, 12, 0] = 1.0
  images = np.repeat(image, 64, axis=0)
  shifted = data.shift_images(tf.constant(images), tf.constant([5, 0], tf.int64), 3).numpy()
  assert shifted.shape == images.shape
  positions = [np.argwhere(s[..., 0] == 1.0)[0] for s in shifted]
  moves = np.array([p - [10, 12] for p in positions])
  assert np.abs(moves).max() == 3 and len({tuple(m) for m in moves}) > 5
  assert np.all(shifted.sum(axis=(1, 2, 3)) == 1.0)
  again = data.shift_images(tf.constant(images), tf.constant([5, 0], tf.int64), 3).numpy()
  np.testing.assert_array_equal(shifted, again)
  one = data.shift_images(tf.constant(images), tf.constant([5, 0], tf.int64), 1).numpy()
  assert max(np.abs(np.argwhere(s[..., 0] == 1.0)[0] - [10, 12]).max() for s in one) == 1


def test_shifted_batches_differ_by_pass_and_repeat_by_seed(tmp_path, plain_examples):
  examples = read(tmp_path, plain_examples)

  def two_passes(seed):
    dataset = data.batches(examples, 'ce', 16, shuffle=False, seed=seed, max_shift=2)
    return [next(iter(dataset))[0].numpy() for _ in range(2)]

  first, second = two_passes(1)
  assert not np.array_equal(first, second)
  np.testing.assert_array_equal(two_passes(1)[0], first)
  plain = next(iter(data.batches(examples, 'ce', 16, shuffle=False, seed=1)))[0].numpy()
  np.testing.assert_allclose(first.sum(axis=(1, 2, 3)), plain.sum(axis=(1, 2, 3)),
                             rtol=0.2)


def test_missing_files_fail_clearly(tmp_path, plain_examples):
  args = make_fn_args(tmp_path, plain_examples, {})
  with pytest.raises(FileNotFoundError, match='no TFRecord files'):
    data.read_examples([str(tmp_path / 'none' / '*')], args.data_accessor,
                       load_schema(args.schema_path), True)
  assert train_pattern(plain_examples) in args.train_files
