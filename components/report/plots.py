"""The report's figures, each returned as a PNG data URI (matplotlib, Agg backend)."""

import base64
import io
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top,wrong-import-position
import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position
from matplotlib.ticker import MaxNLocator  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.contracts.example_format import NUM_CLASSES, Split  # pylint: disable=wrong-import-position
from tfx_distill.components.report.schema import Row  # pylint: disable=wrong-import-position
from tfx_distill.contracts.identity import EPOCHS, FULL  # pylint: disable=wrong-import-position

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


def method_colours(rows: Sequence[Row]) -> Dict[str, str]:
  """One matplotlib colour per method, in table order, shared by the summary plots."""
  methods = list(dict.fromkeys(row.method for row in rows))
  return {method: f'C{index % 10}' for index, method in enumerate(methods)}


def accuracy_vs_support(rows: Sequence[Row]) -> str:
  """Accuracy (mean, error bar = std over seeds) against support size, log x, one
  line per method; the full model as a dashed line."""
  figure, axes = plt.subplots(figsize=(7, 4.5))
  colours = method_colours(rows)
  methods: Dict[str, List[Row]] = {}
  for row in rows:
    if row.images and row.accuracy is not None:
      methods.setdefault(row.method, []).append(row)
  for index, (method, points) in enumerate(methods.items()):
    points.sort(key=lambda r: r.images)
    axes.errorbar([r.images for r in points], [_percent(r.accuracy) for r in points],
                  yerr=[_percent(r.accuracy_std or 0.0) for r in points],
                  marker=MARKERS[index % len(MARKERS)], capsize=4, label=method,
                  color=colours[method])
    if method == 'full':
      axes.axhline(_percent(points[0].accuracy), color='gray', linestyle='--',
                   linewidth=1)
  axes.set_xscale('log')
  axes.set_xlabel('support size (training images, log scale)')
  axes.set_ylabel('accuracy on the eval split (%)')
  axes.set_title('Accuracy against support size')
  axes.grid(True, which='both', alpha=0.3)
  axes.legend()
  return to_data_uri(figure)


def accuracy_vs_images(rows: Sequence[Row]) -> str:
  """The learning curves: accuracy on the eval split against images processed (log x),
  mean over seeds; the full-data runs in black and grey, each small set in its
  method's colour (dashed for random real images), its final accuracy (the row's mean) marked."""
  figure, axes = plt.subplots(figsize=(9, 5.5))
  colours = method_colours(rows)
  for row in rows:
    curve = row.eval_curve or []
    if not curve:
      continue
    x = [p['images_processed'] for p in curve]
    y = [_percent(p['accuracy']) for p in curve]
    full = row.kind == FULL
    if full:
      style = {'color': 'black' if row.recipe == EPOCHS else 'grey',
               'linewidth': 2.2, 'linestyle': '-'}
    else:
      style = {'color': colours[row.method], 'linewidth': 1.6,
               'linestyle': '--' if row.reference else '-'}
    axes.plot(x, y, marker='.', label=row.training_set, **style)
    if not full and row.accuracy is not None:
      axes.plot([x[-1]], [_percent(row.accuracy)], marker='o', color=style['color'])
  axes.set_xscale('log')
  axes.set_xlabel('images processed (optimiser steps x batch), log scale')
  axes.set_ylabel('accuracy on the eval split (%)')
  axes.set_ylim(0, 100)
  axes.set_title('Learning curves: accuracy against the work done')
  axes.grid(True, which='both', alpha=0.3)
  axes.legend(fontsize=8, loc='lower right')
  return to_data_uri(figure)


def mosaic(images: Sequence[np.ndarray], positions: Sequence[Tuple[int, int]],
           shape: Tuple[int, int], gap: int = 2) -> np.ndarray:
  """Images (28x28, pixel/255 space) tiled at (row, column) cells of a shape grid,
  clipped to [0, 1]; gaps and empty cells are NaN (drawn in the background colour)."""
  height, width = images[0].shape if len(images) else (28, 28)
  canvas = np.full((shape[0] * (height + gap) - gap, shape[1] * (width + gap) - gap), np.nan)
  for image, (row, column) in zip(images, positions):
    top, left = row * (height + gap), column * (width + gap)
    canvas[top:top + height, left:left + width] = np.clip(image, 0, 1)
  return canvas


def _show_mosaic(axes, canvas: np.ndarray) -> None:
  colormap = matplotlib.colormaps['gray'].with_extremes(bad='#f4f4f4')
  axes.imshow(np.ma.masked_invalid(canvas), cmap=colormap, vmin=0, vmax=1,
              interpolation='nearest')


def image_grid(split: Split, title: str) -> str:
  """A distilled set: one row per class with up to MAX_COLUMNS images (one row of ten
  when there is one image per class), on a fixed [0, 1] gray scale: values outside
  are clipped for display, never rescaled per image."""
  per_class = [np.flatnonzero(split.labels == label)[:MAX_COLUMNS]
               for label in range(NUM_CLASSES)]
  columns = max(1, max(len(indices) for indices in per_class))
  single = columns == 1
  images, positions = [], []
  for label, indices in enumerate(per_class):
    for column, index in enumerate(indices):
      images.append(split.images[index])
      positions.append((0, label) if single else (label, column))
  shape = (1, NUM_CLASSES) if single else (NUM_CLASSES, columns)
  figure, axes = plt.subplots(figsize=(8, 1.4) if single else (0.62 * columns + 0.8, 6.6))
  _show_mosaic(axes, mosaic(images, positions, shape))
  centres = [14 + 30 * i for i in range(NUM_CLASSES)]
  if single:
    axes.set_xticks(centres, [str(c) for c in range(NUM_CLASSES)])
    axes.set_yticks([])
  else:
    axes.set_yticks(centres, [str(c) for c in range(NUM_CLASSES)])
    axes.set_xticks([])
  axes.tick_params(length=0)
  for spine in axes.spines.values():
    spine.set_visible(False)
  axes.set_title(title)
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
  names = list(histories)
  figure, axes = plt.subplots(2, max(1, len(names)), figsize=(3.6 * max(1, len(names)), 5.5),
                              squeeze=False)
  for column, name in enumerate(names):
    for seed, history in histories[name]:
      for row, metric in enumerate(('loss', 'accuracy')):
        values = history.get(metric)
        if values:
          axes[row, column].plot(range(1, len(values) + 1), values,
                                 marker='.' if len(values) <= 30 else None,
                                 linewidth=1, label=f'seed {seed}')
    axes[0, column].set_title(name)
    axes[1, column].set_xlabel('epoch')
    for row in range(2):
      axes[row, column].grid(True, alpha=0.3)
      axes[row, column].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, column].legend(fontsize=8)
  axes[0, 0].set_ylabel('training loss')
  axes[1, 0].set_ylabel('training accuracy')
  return to_data_uri(figure)


def confusion_matrices(matrices: Dict[str, np.ndarray]) -> str:
  """Row-normalised confusion matrices (true label x predicted), counts written in."""
  names = list(matrices)
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
  """Images with the predicted class and its confidence above each (red when wrong)."""
  count = len(images)
  columns = min(10, count)
  rows = -(-count // columns)
  positions = [(index // columns, index % columns) for index in range(count)]
  figure, axes = plt.subplots(figsize=(1.25 * columns, 1.55 * rows + 0.3))
  _show_mosaic(axes, mosaic(images, positions, (rows, columns), gap=14))
  for index, (row, column) in enumerate(positions):
    predicted = int(np.argmax(probabilities[index]))
    axes.text(column * 42 + 14, row * 42 - 1.5,
              f'{predicted}: {100 * probabilities[index, predicted]:.0f}%',
              ha='center', va='bottom', fontsize=9,
              color='black' if predicted == labels[index] else 'red')
  axes.set_ylim(rows * 42 - 14, -12)
  axes.axis('off')
  axes.set_title(f'{title}: predicted class and confidence (red = wrong)', fontsize=10)
  return to_data_uri(figure)


def per_class_bars(per_class: Dict[str, List[Optional[float]]]) -> str:
  """Accuracy on each class (the confusion matrix's rows), grouped by class, one bar per
  training set."""
  names = list(per_class)
  figure, axes = plt.subplots(figsize=(10, 4))
  width = 0.8 / max(1, len(names))
  for index, name in enumerate(names):
    values = [_percent(v) for v in per_class[name]]
    axes.bar(np.arange(NUM_CLASSES) + (index - (len(names) - 1) / 2) * width, values,
             width=width, label=name)
  axes.set_xticks(range(NUM_CLASSES))
  axes.set_xlabel('true class')
  axes.set_ylabel('accuracy (%)')
  axes.set_ylim(0, 100)
  axes.set_title('Per-class accuracy (recall, from TFMA\'s confusion matrix)')
  axes.legend(fontsize=8, ncol=min(6, len(names)), loc='upper center',
              bbox_to_anchor=(0.5, -0.13))
  axes.grid(True, axis='y', alpha=0.3)
  return to_data_uri(figure)


def transfer_bars(rows: Sequence[Row], transfer: Dict[str, Dict[str, dict]]) -> str:
  """Grouped bars: per network or recipe, each training set's accuracy (mean over its
  seeds), the run's own network and recipe first; reference sets hatched."""
  names = [row.training_set for row in rows if row.training_set in transfer]
  variants = list(transfer[names[0]])
  labels = ["the run's"] + [transfer[names[0]][v]['what'] for v in variants]
  by_name = {row.training_set: row for row in rows}
  figure, axes = plt.subplots(figsize=(max(7.0, 1.6 * len(labels)), 4.8))
  width = 0.8 / len(names)
  colours = method_colours(rows)
  for index, name in enumerate(names):
    row = by_name[name]
    heights = [_percent(row.accuracy or 0.0)] + [
        _percent(float(np.mean(transfer[name][v]['accuracies']))) for v in variants]
    colour = 'grey' if row.kind == FULL else colours[row.method]
    axes.bar(np.arange(len(labels)) + (index - (len(names) - 1) / 2) * width, heights,
             width, label=name, color=colour, hatch='//' if row.reference else None,
             alpha=0.6 + 0.4 * (row.images_per_class or 0) / max(
                 (r.images_per_class or 0 for r in rows), default=1))
  axes.set_xticks(range(len(labels)), labels, rotation=15, fontsize=8)
  axes.set_ylabel('accuracy on the eval split (%)')
  axes.set_ylim(0, 100)
  axes.set_title('Other networks and recipes: the same sets, the same evaluation')
  axes.grid(True, axis='y', alpha=0.3)
  axes.legend(fontsize=7, ncol=2, loc='lower right')
  return to_data_uri(figure)
