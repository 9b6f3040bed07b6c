"""Seeded, stratified selection of examples: caps and train/eval splits."""

from typing import Tuple

import numpy as np


def class_quotas(labels: np.ndarray, total: int) -> dict:
  """How many examples of each class make a stratified sample of `total`: proportional
  shares rounded by largest remainder (so they add up to `total`), at least one each."""
  classes, counts = np.unique(labels, return_counts=True)
  exact = counts * total / len(labels)
  quotas = np.maximum(np.floor(exact).astype(int), 1)
  order = np.argsort(-(exact - np.floor(exact)), kind='stable')
  for i in order[:max(0, total - int(quotas.sum()))]:
    quotas[i] += 1
  return dict(zip(classes.tolist(), np.minimum(quotas, counts).tolist()))


def stratified_indices(labels: np.ndarray, fraction: float,
                       rng: np.random.Generator) -> np.ndarray:
  """Indices of a stratified sample of round(fraction * N) examples (at least one per
  class), in shuffled order."""
  quotas = class_quotas(labels, int(round(fraction * len(labels))))
  chosen = [rng.permutation(np.flatnonzero(labels == cls))[:count]
            for cls, count in quotas.items()]
  return rng.permutation(np.concatenate(chosen))


def cap(labels: np.ndarray, max_examples: int, seed: int) -> np.ndarray:
  """Indices of at most `max_examples` examples, stratified by class (all when
  max_examples is 0 or not smaller than the set)."""
  if max_examples <= 0 or max_examples >= len(labels):
    return np.arange(len(labels))
  rng = np.random.default_rng([seed, 1])
  return stratified_indices(labels, max_examples / len(labels), rng)[:max_examples]


def train_eval_split(labels: np.ndarray, eval_fraction: float, seed: int,
                     stream: int = 2) -> Tuple[np.ndarray, np.ndarray]:
  """Disjoint (train, eval) index arrays, eval stratified by class; `stream` picks an
  independent random stream for each cut made with the same seed."""
  rng = np.random.default_rng([seed, stream])
  eval_idx = stratified_indices(labels, eval_fraction, rng)
  mask = np.ones(len(labels), bool)
  mask[eval_idx] = False
  return rng.permutation(np.flatnonzero(mask)), eval_idx
