"""From a source string to the train and eval splits the pipeline trains and evaluates on."""

from typing import Dict

import numpy as np

from components.example_format import Split, make_split
from components.ingest import split as split_lib
from components.ingest.sources import DataError, load_source


def build_splits(data: str, eval_fraction: float = 0.2, eval_source: str = 'split',
                 max_examples: int = 0, seed: int = 0, tfds_data_dir: str = '',
                 tfds_manual_dir: str = '') -> Dict[str, Split]:
  """Reads and validates `data`, then returns {'train': Split, 'eval': Split}.

  eval_source 'split' cuts a stratified `eval_fraction` out of the source's train part
  (as the seed notebook does); 'test' uses the source's own test part. `max_examples`
  caps the train part (and the eval part in proportion), stratified and seeded."""
  source = load_source(data, tfds_data_dir, tfds_manual_dir)
  if eval_source == 'test':
    if source.test_images is None:
      raise DataError(data, "has no test part; use eval_source='split'")
    keep = split_lib.cap(source.labels, max_examples, seed)
    eval_cap = int(round(max_examples * eval_fraction)) if max_examples else 0
    keep_eval = split_lib.cap(source.test_labels, eval_cap, seed)
    return {
        'train': make_split(source.images[keep], source.labels[keep]),
        'eval': make_split(source.test_images[keep_eval], source.test_labels[keep_eval]),
    }
  if eval_source != 'split':
    raise DataError(data, f"unknown eval_source {eval_source!r} (use 'split' or 'test')")
  keep = split_lib.cap(source.labels, max_examples, seed)
  images, labels = source.images[keep], source.labels[keep]
  train_idx, eval_idx = split_lib.train_eval_split(labels, eval_fraction, seed)
  return {
      'train': make_split(images[train_idx], labels[train_idx]),
      'eval': make_split(images[eval_idx], labels[eval_idx]),
  }


def class_counts(split: Split) -> np.ndarray:
  return np.bincount(split.labels, minlength=10)
