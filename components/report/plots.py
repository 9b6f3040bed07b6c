"""The report's figures, each returned as a PNG data URI (matplotlib, Agg backend)."""

import base64
import io
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top,wrong-import-position
import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position

from components.example_format import NUM_CLASSES, Split  # pylint: disable=wrong-import-position

MAX_COLUMNS = 10  # images per class shown in a distilled grid
MARKERS = 'osD^v<>ph*'


def to_data_uri(figure) -> str:
  """Renders and closes a figure; returns 'data:image/png;base64,...'."""
  buffer = io.BytesIO()
  figure.savefig(buffer, format='png', dpi=80, bbox_inches='tight')
  plt.close(figure)
  return 'data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode('ascii')


def _percent(value: Optional[float]) -> float:
  return np.nan if value is None else 100 * value


def accuracy_vs_support(rows: Sequence[dict]) -> str:
  """Accuracy (mean, error bar = std over seeds) against support size, log x, one
  line per method; the full model as a dashed line."""
  figure, axes = plt.subplots(figsize=(7, 4.5))
  methods: Dict[str, List[dict]] = {}
  for row in rows:
    if row['support_size'] and row['accuracy'] is not None:
      methods.setdefault(row['method'], []).append(row)
  for index, (method, points) in enumerate(sorted(methods.items())):
    points.sort(key=lambda r: r['support_size'])
    axes.errorbar([r['support_size'] for r in points],
                  [_percent(r['accuracy']) for r in points],
                  yerr=[_percent(r['accuracy_std'] or 0.0) for r in points],
                  marker=MARKERS[index % len(MARKERS)], capsize=4, label=method)
    if method == 'full':
      axes.axhline(_percent(points[0]['accuracy']), color='gray', linestyle='--',
                   linewidth=1)
  axes.set_xscale('log')
  axes.set_xlabel('support size (training images, log scale)')
  axes.set_ylabel('accuracy on the eval split (%)')
  axes.set_title('Accuracy against support size')
  axes.grid(True, which='both', alpha=0.3)
  axes.legend()
  return to_data_uri(figure)


def time_vs_accuracy(rows: Sequence[dict]) -> str:
  """Fit-only training time against accuracy, one labelled point per training set."""
  figure, axes = plt.subplots(figsize=(7, 4.5))
  for row in rows:
    if row['fit_seconds'] is None or row['accuracy'] is None:
      continue
    axes.errorbar(row['fit_seconds'], _percent(row['accuracy']),
                  xerr=row['fit_seconds_std'] or 0.0,
                  yerr=_percent(row['accuracy_std'] or 0.0), marker='o', capsize=4)
    axes.annotate(f"{row['training_set']} ({row['epochs']} ep)",
                  (row['fit_seconds'], _percent(row['accuracy'])),
                  textcoords='offset points', xytext=(6, 4), fontsize=9)
  axes.set_xlabel('training time, fit only (s)')
  axes.set_ylabel('accuracy on the eval split (%)')
  axes.set_title('Training time against accuracy')
  axes.grid(True, alpha=0.3)
  return to_data_uri(figure)


def image_grid(split: Split, title: str) -> str:
  """One row per class, up to MAX_COLUMNS images each, in pixel/255 space shown on a
  fixed [0, 1] gray scale (values outside are clipped for display, not rescaled)."""
  columns = max(1, min(MAX_COLUMNS, max(np.bincount(split.labels,
                                                    minlength=NUM_CLASSES))))
  figure, axes = plt.subplots(NUM_CLASSES, columns, figsize=(0.8 * columns + 0.6, 8.4),
                              squeeze=False)
  for axis in axes.flat:
    axis.axis('off')
  for label in range(NUM_CLASSES):
    indices = np.flatnonzero(split.labels == label)[:columns]
    for column, index in enumerate(indices):
      axes[label, column].imshow(np.clip(split.images[index], 0, 1), cmap='gray',
                                 vmin=0, vmax=1)
    axes[label, 0].text(-4, 14, str(label), ha='right', va='center', fontsize=11)
  figure.suptitle(title)
  return to_data_uri(figure)


def label_heatmap(split: Split, title: str) -> str:
  """The label vectors (images x classes, KIP space) as a heatmap."""
  rows = len(split.label_vectors)
  figure, axes = plt.subplots(figsize=(4.5, min(8.0, 1.5 + 0.25 * rows)))
  image = axes.imshow(split.label_vectors, aspect='auto', cmap='magma',
                      interpolation='nearest')
  axes.set_xticks(range(NUM_CLASSES))
  axes.set_xlabel('class')
  axes.set_ylabel('image (true class order)' if rows > 20 else 'image')
  if rows <= 20:
    axes.set_yticks(range(rows))
    axes.set_yticklabels([str(label) for label in split.labels])
  figure.colorbar(image, ax=axes)
  axes.set_title(title)
  return to_data_uri(figure)


def learning_curves(histories: Dict[str, List[Tuple[int, Dict[str, List[float]]]]]) -> str:
  """Training loss and accuracy per epoch (from training.json), one column per
  training set, one line per seed."""
  names = sorted(histories)
  figure, axes = plt.subplots(2, max(1, len(names)), figsize=(3.6 * max(1, len(names)), 5.5),
                              squeeze=False)
  for column, name in enumerate(names):
    for seed, history in histories[name]:
      for row, metric in enumerate(('loss', 'accuracy')):
        values = history.get(metric)
        if values:
          axes[row, column].plot(range(1, len(values) + 1), values, marker='.',
                                 label=f'seed {seed}')
    axes[0, column].set_title(name)
    axes[1, column].set_xlabel('epoch')
    for row in range(2):
      axes[row, column].grid(True, alpha=0.3)
    axes[0, column].legend(fontsize=8)
  axes[0, 0].set_ylabel('training loss')
  axes[1, 0].set_ylabel('training accuracy')
  return to_data_uri(figure)


def confusion_matrices(matrices: Dict[str, np.ndarray]) -> str:
  """Row-normalised confusion matrices (true label x predicted), counts written in."""
  names = sorted(matrices)
  figure, axes = plt.subplots(1, max(1, len(names)), figsize=(4.2 * max(1, len(names)), 4.4),
                              squeeze=False)
  for axis, name in zip(axes[0], names):
    counts = matrices[name]
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    axis.imshow(shares, cmap='Blues', vmin=0, vmax=1)
    for (actual, predicted), count in np.ndenumerate(counts):
      if count:
        axis.text(predicted, actual, f'{count:.0f}', ha='center', va='center',
                  fontsize=6, color='white' if shares[actual, predicted] > 0.5 else 'black')
    axis.set_xticks(range(NUM_CLASSES))
    axis.set_yticks(range(NUM_CLASSES))
    axis.set_xlabel('predicted')
    axis.set_ylabel('true')
    axis.set_title(name)
  return to_data_uri(figure)


def prediction_grid(images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
                    title: str) -> str:
  """Images with the predicted class and its confidence (red when wrong)."""
  count = len(images)
  columns = min(10, count)
  rows = -(-count // columns)
  figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.6 * rows),
                              squeeze=False)
  for axis in axes.flat:
    axis.axis('off')
  for index in range(count):
    axis = axes.flat[index]
    predicted = int(np.argmax(probabilities[index]))
    axis.imshow(np.clip(images[index], 0, 1), cmap='gray', vmin=0, vmax=1)
    axis.set_title(f'Pred: {predicted}\nConf: {100 * probabilities[index, predicted]:.1f}%',
                   fontsize=8, color='black' if predicted == labels[index] else 'red')
  figure.suptitle(title)
  return to_data_uri(figure)


def per_class_bars(per_class: Dict[str, List[Optional[float]]]) -> str:
  """Accuracy on each label's slice, grouped by class, one bar per training set."""
  names = sorted(per_class)
  figure, axes = plt.subplots(figsize=(10, 4))
  width = 0.8 / max(1, len(names))
  for index, name in enumerate(names):
    values = [_percent(v) for v in per_class[name]]
    axes.bar(np.arange(NUM_CLASSES) + (index - (len(names) - 1) / 2) * width, values,
             width=width, label=name)
  axes.set_xticks(range(NUM_CLASSES))
  axes.set_xlabel('class (label slice)')
  axes.set_ylabel('accuracy (%)')
  axes.set_ylim(0, 100)
  axes.set_title('Per-class accuracy (TFMA label slices)')
  axes.legend(fontsize=8, ncol=min(5, len(names)))
  axes.grid(True, axis='y', alpha=0.3)
  return to_data_uri(figure)
