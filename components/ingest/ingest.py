"""From a source string to the train and eval splits the pipeline trains and evaluates on."""

from typing import Dict

import numpy as np

from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import (EVAL, NUM_CLASSES, TRAIN, VALID, Split,
                                                   make_split)
from tfx_distill.components.ingest import split as split_lib
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.contracts.sources import load_source


def build_splits(settings: IngestSettings) -> Dict[str, Split]:
  """Reads and validates `settings.data`, then returns {'train', 'valid', 'eval': Split}.

  eval_source 'split' cuts a stratified `eval_fraction` out of the source's train part
  (as the seed notebook does); 'test' uses the source's own test part. `valid` is a
  stratified `valid_fraction` of what remains for training. `max_examples` caps the
  source's train part (and the eval part in proportion), stratified and seeded."""
  source = load_source(settings.data, settings.tfds_data_dir, settings.tfds_manual_dir,
                       settings.tfds_download)
  keep = split_lib.cap(source.labels, settings.max_examples, settings.seed)
  images, labels = source.images[keep], source.labels[keep]
  if settings.eval_source == 'test':
    if source.test_images is None:
      raise DataError(settings.data, "has no test part; use eval_source='split'")
    eval_cap = (int(round(settings.max_examples * settings.eval_fraction))
                if settings.max_examples else 0)
    keep_eval = split_lib.cap(source.test_labels, eval_cap, settings.seed)
    evaluation = make_split(source.test_images[keep_eval], source.test_labels[keep_eval])
  else:
    train_idx, eval_idx = split_lib.train_eval_split(labels, settings.eval_fraction,
                                                     settings.seed)
    evaluation = make_split(images[eval_idx], labels[eval_idx])
    images, labels = images[train_idx], labels[train_idx]
  train_idx, valid_idx = split_lib.train_eval_split(labels, settings.valid_fraction,
                                                    settings.seed, stream=3)
  return {
      TRAIN: make_split(images[train_idx], labels[train_idx]),
      VALID: make_split(images[valid_idx], labels[valid_idx]),
      EVAL: evaluation,
  }


def class_counts(split: Split) -> np.ndarray:
  return np.bincount(split.labels, minlength=NUM_CLASSES)
