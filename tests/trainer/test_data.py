"""The input pipeline on tiny Examples sets."""

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.trainer import data

from tests.trainer.conftest import TRAIN_IMAGES, learned_split, sample_digits, train_pattern


def test_reads_plain_examples(plain_examples):
  examples = data.read_examples([train_pattern(plain_examples)], clip_images=True)
  assert data.summarise(examples) == data.Summary(TRAIN_IMAGES, True)
  images, labels, targets = data.load_arrays([train_pattern(plain_examples)], 'ce', True)
  expected_images, expected_labels = sample_digits(TRAIN_IMAGES)
  np.testing.assert_allclose(images[..., 0], expected_images, atol=1e-7)
  np.testing.assert_array_equal(labels, expected_labels)
  np.testing.assert_array_equal(targets, np.eye(10)[expected_labels])


def test_learned_examples_clip_and_targets(learned_examples):
  patterns = [learned_examples + '/Split-train']  # a directory works as a pattern
  assert data.summarise(data.read_examples(patterns, True)) == data.Summary(20, False)
  split = learned_split(20)
  clipped, _, vectors = data.load_arrays(patterns, 'mse', clip_images=True)
  raw, _, soft = data.load_arrays(patterns, 'ce', clip_images=False)
  assert clipped.min() == 0.0 and clipped.max() == 1.0
  assert raw.min() < 0.0 and raw.max() > 1.0
  np.testing.assert_allclose(raw[..., 0], split.images, atol=1e-6)
  np.testing.assert_allclose(vectors, split.label_vectors, atol=1e-7)
  np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-6)
  assert (soft >= 0).all()


def test_batches_are_global_shuffled_and_seeded(plain_examples):
  examples = data.read_examples([train_pattern(plain_examples)], clip_images=True)

  def first_labels(seed):
    batches = list(data.batches(examples, 'ce', 16, shuffle=True, seed=seed)
                   .as_numpy_iterator())
    assert [len(images) for images, _ in batches] == [16, 16, 8]
    assert batches[0][0].shape == (16, 28, 28, 1) and batches[0][1].shape == (16, 10)
    return np.concatenate([targets.argmax(1) for _, targets in batches])

  _, labels, _ = data.load_arrays([train_pattern(plain_examples)], 'ce', True)
  assert np.array_equal(first_labels(1), first_labels(1))
  assert not np.array_equal(first_labels(1), first_labels(2))
  assert not np.array_equal(first_labels(1), labels)
  assert sorted(first_labels(1)) == sorted(labels)


def test_shift_images_moves_whole_pixels_with_zero_fill():
  image = np.zeros((1, 28, 28, 1), np.float32)
  image[0, 10, 12, 0] = 1.0
  images = np.repeat(image, 64, axis=0)
  shifted = data.shift_images(tf.constant(images), tf.constant([5, 0], tf.int64)).numpy()
  assert shifted.shape == images.shape
  positions = [np.argwhere(s[..., 0] == 1.0)[0] for s in shifted]
  moves = np.array([p - [10, 12] for p in positions])
  assert np.abs(moves).max() <= data.MAX_SHIFT and len({tuple(m) for m in moves}) > 5
  assert np.all(shifted.sum(axis=(1, 2, 3)) == 1.0)
  again = data.shift_images(tf.constant(images), tf.constant([5, 0], tf.int64)).numpy()
  np.testing.assert_array_equal(shifted, again)


def test_augmented_batches_differ_by_epoch_and_repeat_by_seed(plain_examples):
  examples = data.read_examples([train_pattern(plain_examples)], clip_images=True)

  def two_epochs(seed):
    dataset = data.batches(examples, 'ce', 16, shuffle=False, seed=seed, augment=True)
    return [next(iter(dataset))[0].numpy() for _ in range(2)]

  first, second = two_epochs(1)
  assert not np.array_equal(first, second)
  np.testing.assert_array_equal(two_epochs(1)[0], first)
  plain = next(iter(data.batches(examples, 'ce', 16, shuffle=False, seed=1)))[0].numpy()
  np.testing.assert_allclose(first.sum(axis=(1, 2, 3)), plain.sum(axis=(1, 2, 3)),
                             rtol=0.2)


def test_missing_files_fail_clearly(tmp_path):
  with pytest.raises(FileNotFoundError, match='no TFRecord files'):
    data.read_examples([str(tmp_path / 'none' / '*')], True)
