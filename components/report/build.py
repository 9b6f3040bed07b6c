"""Builds the whole report from a run's artifacts: collect, summarise, draw, write.
Shared by the Report executor and `tfx-distill report`."""

import datetime
from typing import Any, Dict, List, Sequence, Tuple

import tensorflow as tf
from absl import logging

from tfx_distill.components.report import plots, render
from tfx_distill.components.report.collect import ArtifactRef, Collected, collect
from tfx_distill.components.report.predictions import predict
from tfx_distill.components.report.summary import summarise

PREDICTION_IMAGES = 20
Figure = Tuple[str, str]  # (caption, PNG data URI)


def _prediction_figures(collected: Collected, order: Dict[str, int],
                        notes: List[str]) -> List[Figure]:
  """The first PREDICTION_IMAGES eval images through each training set's seed-0 model."""
  examples = collected.eval_examples
  if examples is None or not len(examples.labels):
    notes.append('predictions: no eval split found')
    return []
  images = examples.images[:PREDICTION_IMAGES]
  labels = examples.labels[:PREDICTION_IMAGES]
  figures = []
  seed_zero = {name: path for (name, seed), path in collected.serving_models.items()
               if seed == 0}
  for name, model_dir in _in_order(seed_zero, order).items():
    try:
      probabilities = predict(model_dir, images)
    except (OSError, ValueError, KeyError, tf.errors.OpError) as error:
      logging.warning('report: cannot predict with %s: %s', model_dir, error)
      notes.append(f'predictions of {name}: {error}')
      continue
    figures.append((f'{name} (seed 0): predictions on the first {len(images)} eval '
                    'images, red = wrong',
                    plots.prediction_grid(images, labels, probabilities, name)))
  return figures


def make_sections(collected: Collected, rows: Sequence[dict],
                  notes: List[str]) -> List[Tuple[str, List[Figure]]]:
  """The report's figure sections, in reading order; empty ones are left out."""
  order = {row.training_set: index for index, row in enumerate(rows)}
  histories: Dict[str, list] = {}
  for (name, seed), history in sorted(collected.histories.items(), key=str):
    histories.setdefault(name, []).append((seed, history))
  matrices = {name: evaluation.confusion
              for (name, seed), evaluation in collected.evaluations.items()
              if seed == 0 and evaluation.confusion is not None}
  per_class: Dict[str, List[List[float]]] = {}
  for result in collected.results:
    if result.per_class_accuracy:
      per_class.setdefault(result.training_set, []).append(result.per_class_accuracy)
  per_class_mean = {
      name: [_mean([run[c] for run in runs]) for c in range(len(runs[0]))]
      for name, runs in per_class.items()}
  distilled = sorted(collected.distilled.items(), key=lambda item: order.get(item[0], 0))
  histories = _in_order(histories, order)
  matrices = _in_order(matrices, order)
  per_class_mean = _in_order(per_class_mean, order)
  sections = [
      ('Accuracy and the work it takes', [
          ('Learning curves: accuracy on the eval split against images processed '
           '(mean over seeds; recorded by every Trainer at the same points, for the '
           'report only). Where a small set\'s curve lies left of the full data\'s at '
           'the same height, it got there with less work; a dot marks its final '
           "accuracy (the table's)", plots.accuracy_vs_images(rows)),
          ('Accuracy against support size, per method (error bars: std over seeds)',
           plots.accuracy_vs_support(rows))]),
      ('Other networks and recipes', [
          ('Each set, and the full data at equal work, trained with the same small-set '
           'recipe on other networks and with other recipes (mean over seeds; the '
           'transfer table above): does a set made for one network train another?',
           plots.transfer_bars(rows, collected.transfer))] if collected.transfer else []),
      ('Distilled images', [
          (f'{name}: {len(split.labels)} images ({_layout(split)}), pixel values on a '
           'fixed [0, 1] gray scale', plots.image_grid(split, name))
          for name, split in distilled]),
      ('Labels of the distilled sets', [
          (f'{name}: label vectors (KIP space; plain labels are one-hot - 0.1)',
           plots.label_heatmap(split, name)) for name, split in distilled]),
      ('Learning curves', [
          ('Training loss and accuracy per epoch, per model (from training.json)',
           plots.learning_curves(histories))] if histories else []),
      ('Confusion matrices', [
          ('Seed-0 models on the eval split (TFMA MultiClassConfusionMatrixPlot), '
           'row-normalised colour, counts written in',
           plots.confusion_matrices(matrices))] if matrices else []),
      ('Predictions', _prediction_figures(collected, order, notes)),
      ('Per-class accuracy', [
          ('Accuracy on each true class, the confusion matrix\'s rows (mean over seeds)',
           plots.per_class_bars(per_class_mean))] if per_class_mean else []),
  ]
  return [(title, figures) for title, figures in sections if figures]


def _in_order(by_set: Dict[str, Any], order: Dict[str, int]) -> Dict[str, Any]:
  """by_set with its keys in the summary table's row order."""
  return dict(sorted(by_set.items(), key=lambda item: (order.get(item[0], len(order)),
                                                       item[0])))


def _layout(split) -> str:
  return ('one per class' if len(split.labels) <= 10
          else f'one row per class, at most {plots.MAX_COLUMNS} shown')


def _mean(values):
  present = [v for v in values if v is not None]
  return sum(present) / len(present) if present else None


def build_report(refs: Sequence[ArtifactRef], out_dir: str,
                 provenance: Dict[str, Any]) -> Dict[str, Any]:
  """Writes index.html, summary.json and summary.md into out_dir; returns the summary.

  provenance: what made the run (pipeline name, run id, config, ...), shown as given."""
  collected = collect(refs)
  rows = summarise(collected.results, collected.pushed, collected.published_sets,
                   collected.distill_steps, collected.distill_seconds)
  notes: List[str] = []
  if not rows:
    notes.append('no trained or evaluated models were found')
  models = [{
      'training_set': r.training_set, 'seed': r.seed, 'accuracy': r.accuracy,
      'fit_seconds': r.fit_seconds, 'epochs': r.epochs, 'images': r.images,
      'optimizer_steps': r.optimizer_steps, 'images_processed': r.images_processed,
      'temperature': r.temperature, 'valid_ece_before': r.valid_ece_before,
      'valid_ece_after': r.valid_ece_after,
      'blessed': r.blessed, 'decision': r.decision()[0], 'decided_by': r.decision()[1],
      'thresholds': r.thresholds._asdict(),
  } for r in collected.results]
  sections = make_sections(collected, rows, notes)
  summary = {
      'rows': [row.to_json() for row in rows],
      'transfer': collected.transfer,
      'models': models,
      'data_check': collected.data_check,
      'provenance': {**provenance, 'data_source': collected.data_source,
                     'generated_at': datetime.datetime.now(datetime.timezone.utc)
                     .isoformat(timespec='seconds'),
                     'artifacts': collected.uris},
      'notes': notes,
  }
  render.write_report(out_dir, summary, sections)
  return summary
