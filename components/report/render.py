"""Writes the report: a self-contained index.html (figures embedded as data URIs),
summary.json (every number, machine-readable) and summary.md (the table). The page and
the Markdown are Jinja2 templates (templates/); this module turns the summary's values
into the text of each cell."""

import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import jinja2
import markupsafe
import tensorflow as tf

from tfx_distill.components.report import equal_work
from tfx_distill.contracts import package_data

INDEX_HTML = 'index.html'
SUMMARY_JSON = 'summary.json'
SUMMARY_MD = 'summary.md'
# The summary table: what a set costs, what it reaches, and the full data at equal
# work; the rest of each row is in SET_COLUMNS (the per-set details).
COLUMNS = ('Training set', 'Method', 'Images', 'Images processed (steps)',
           'Fit time (s)', 'Accuracy (%)', 'Full data at as many images (%)',
           'Images the full data needs for this accuracy',
           'Speed-up to this accuracy: images, fit time', 'ECE (%)', 'Blessed')
NUMERIC = frozenset(range(2, 10))  # right-aligned columns
SPEEDUP = COLUMNS.index('Speed-up to this accuracy: images, fit time')
SET_COLUMNS = ('Training set', 'Images / class', 'Epochs', 'Gap to full (pts)',
               'Temperature', 'Valid ECE before → after (%)', 'Decided by', 'Decision',
               'Pushed to', 'Published set')
MODEL_COLUMNS = ('Training set', 'Seed', 'Accuracy (%)', 'Training time (s)', 'Epochs',
                 'Optimiser steps', 'Temperature', 'Blessed', 'Decision')
MARKDOWN_PROVENANCE = ('pipeline_name', 'pipeline_run_id', 'preset', 'data_source',
                       'generated_at')
HTML_PROVENANCE = ('pipeline_name', 'pipeline_run_id', 'preset', 'seeds', 'data_source',
                   'generated_at', 'generated_by')
TEMPLATES = package_data.path('tfx_distill.components.report', 'templates')


LEGEND = (
    'Accuracy: TFMA on the eval split, mean ± sample standard deviation over seeds. '
    'Images processed: optimiser steps x batch, the training work; fit time: `fit` '
    "alone, validation and learning-curve passes excluded, from each run's "
    'training.json. The full data at equal work: every Trainer records its accuracy on '
    'the eval split at fixed points of images processed (the learning curves below); '
    'from the curves of the two full-data runs (full: epochs with early stopping; '
    'full_same_steps: the small sets\' step recipe) the table gives the better full '
    "accuracy after as many images as this set processed, and the fewer images either "
    'needs to reach this set\'s accuracy. Speed-up: those images over this set\'s '
    '(and the full run\'s fit seconds to that point over this set\'s); above 1x the '
    'set gets there with less work than the full data, below 1x it does not. ECE: '
    'expected calibration error on the eval split (TFMA). Blessed: the seed-0 '
    "model's TFMA validation, which decides the push (why, in the details below).")


def with_std(mean: Optional[float], std: Optional[float], scale: float = 1.0,
             digits: int = 1) -> str:
  """'92.3 ± 0.4' (std over seeds), '92.3' for one seed, '-' when missing."""
  if mean is None:
    return '-'
  text = f'{scale * mean:.{digits}f}'
  return text if std is None else f'{text} ± {scale * std:.{digits}f}'


def _blessed(row: dict) -> str:
  if row['blessed'] is None:
    return '-'
  text = 'yes' if row['blessed'] else 'no'
  return text if len(row['seeds']) == 1 else f"{text} ({row['blessed_seeds']} seeds)"


def _method(row: dict) -> str:
  """'kip, 5 steps', 'kip, 312 steps (time budget)': the steps a distillation did."""
  if row.get('distill_steps') is None:
    return row['method']
  budget = ' (time budget)' if row.get('stopped_by_budget') else ''
  return f"{row['method']}, {row['distill_steps']} steps{budget}"


def _per_seed(value, text: Callable[[float], str]) -> str:
  """text(value); '-' when missing; a list (the seeds differ) as 'a / b'."""
  if value is None:
    return '-'
  if isinstance(value, list):
    return ' / '.join(_per_seed(v, text) for v in value)
  return text(value)


def _count(value) -> str:
  """An integer count: '76,800'."""
  return _per_seed(value, lambda v: f'{round(v):,}')


def _passes(value) -> str:
  """Passes over a set: '2', '153.6'."""
  return _per_seed(value, lambda v: f'{v:.0f}' if float(v).is_integer() else f'{v:.1f}')


def _ece_change(row: dict) -> str:
  before, after = row.get('valid_ece_before'), row.get('valid_ece_after')
  if before is None or after is None:
    return '-'
  return f'{100 * before:.1f} → {100 * after:.1f}'


def _ratio(value: Optional[float]) -> str:
  """'12.3x', '0.33x' (two digits below 1), '-'."""
  if value is None:
    return '-'
  return f'{value:.2f}x' if value < 1 else f'{value:.1f}x'


def speedup_text(row: dict) -> str:
  """'12.3x, 9.8x' (images, fit time); 'not faster: 0.33x, 0.41x'; '-' for the full
  rows; 'never reached by the full data' when its curves stay below."""
  if row.get('faster_than_full') is None:
    return '-'
  if row.get('full_images_to_accuracy') is None:
    return 'full data never reaches it'
  ratios = ', '.join(_ratio(row.get(key)) for key in ('speedup_to_accuracy',
                                                      'speedup_to_accuracy_seconds'))
  return ratios if row['faster_than_full'] else f'not faster: {ratios}'


def _processed(row: dict) -> str:
  images, steps = row.get('images_processed'), row.get('optimizer_steps')
  if images is None:
    return '-'
  return f'{_count(images)} ({_count(steps)})' if steps is not None else _count(images)


def table_cells(row: dict) -> List[str]:
  """One summary-table row as text, in COLUMNS order."""
  return [
      row['training_set'], _method(row), _count(row['images']), _processed(row),
      with_std(row['fit_seconds'], row['fit_seconds_std'], digits=1),
      with_std(row['accuracy'], row['accuracy_std'], scale=100),
      with_std(row.get('full_accuracy_at_same_images'), None, scale=100),
      _count(row.get('full_images_to_accuracy')),
      speedup_text(row),
      with_std(row['calibration_error'], None, scale=100),
      _blessed(row),
  ]


def set_cells(row: dict) -> List[str]:
  """One row of the per-set details, in SET_COLUMNS order."""
  gap, temperature = row['gap_to_full_points'], row.get('temperature')
  return [
      row['training_set'],
      '-' if row['images_per_class'] is None else str(row['images_per_class']),
      _passes(row['epochs']), '-' if gap is None else f'{gap:+.1f}',
      '-' if temperature is None else f'{temperature:.3g}', _ece_change(row),
      row['decided_by'], row['decision'], row['pushed_to'] or '-',
      row.get('published_set') or '-',
  ]


def verdicts(rows: Sequence[dict]) -> List[str]:
  """A sentence per small set: faster than the full data at equal work, or not."""
  return [text for text in (equal_work.verdict(row) for row in rows) if text]


def data_check_lines(check: Optional[dict]) -> List[str]:
  """The DataGate's verdict as sentences: the schema, then one line per anomaly."""
  if not check:
    return ['no data check found (a run made before the DataGate existed?)']
  anomalies = check.get('anomalies') or []
  verdict = ('no anomalies' if not anomalies else
             f'{len(anomalies)} anomalies, allowed by --allow-anomalies')
  lines = [f"data checked against the schema {check.get('schema')}: {verdict}"]
  drift = check.get('drift')  # absent in runs made before the drift check existed
  if drift is not None:
    ignored = drift.get('ignored_baseline')
    lines.append('drift against the last run: ' + (
        'checked' if drift.get('checked') else
        f'not checked (the newest statistics, {ignored}, are not this pipeline root\'s)'
        if ignored else 'not checked (no earlier run)'))
  lines += [f"{a['where']}, feature '{a['feature']}' ({a['severity']}): {a['short']}: "
            f"{a['description']}" for a in anomalies]
  return lines


def _environment() -> jinja2.Environment:
  return jinja2.Environment(
      loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
      autoescape=jinja2.select_autoescape(['html.j2']), trim_blocks=True,
      lstrip_blocks=True, keep_trailing_newline=True)


def _provenance_items(provenance: Dict[str, Any], keys: Sequence[str]) -> List[tuple]:
  return [(key, provenance[key]) for key in keys if provenance.get(key) is not None]


def markdown(summary: Dict[str, Any]) -> str:
  """The summary table and provenance as Markdown (templates/summary.md.j2)."""
  return _environment().get_template('summary.md.j2').render(
      columns=COLUMNS, legend=LEGEND, notes=summary['notes'],
      rows=[[cell.replace('|', '/') for cell in table_cells(row)]
            for row in summary['rows']],
      verdicts=verdicts(summary['rows']), set_columns=SET_COLUMNS,
      sets=[[cell.replace('|', '/') for cell in set_cells(row)] for row in summary['rows']],
      provenance=_provenance_items(summary['provenance'], MARKDOWN_PROVENANCE),
      data_check=data_check_lines(summary.get('data_check')))


def _cell_kind(index: int, row: dict) -> str:
  if index == SPEEDUP:
    return {True: 'num faster', False: 'num slower'}.get(row.get('faster_than_full'),
                                                         'num')
  return 'num' if index in NUMERIC else ('bless' if COLUMNS[index] == 'Blessed' else '')


def _model_cells(model: dict) -> List[str]:
  return [model['training_set'], str(model['seed']),
          with_std(model['accuracy'], None, scale=100),
          with_std(model['fit_seconds'], None, digits=2), _passes(model['epochs']),
          _count(model.get('optimizer_steps')),
          '-' if model.get('temperature') is None else f"{model['temperature']:.3g}",
          {True: 'yes', False: 'no'}.get(model['blessed'], '-'), model['decision']]


def page(summary: Dict[str, Any], sections: Sequence[Tuple[str, Sequence[Tuple[str, str]]]]) -> str:
  """The whole HTML page (templates/index.html.j2, every value escaped); every figure
  is an <img> with a data: URI."""
  provenance = summary['provenance']
  rows = [{'css': {True: 'blessed', False: 'not-blessed'}.get(row['blessed'], ''),
           'cells': [{'kind': _cell_kind(i, row), 'text': text}
                     for i, text in enumerate(table_cells(row))]}
          for row in summary['rows']]
  with open(os.path.join(TEMPLATES, 'style.css'), encoding='utf-8') as f:
    style = f.read()
  return _environment().get_template('index.html.j2').render(
      style=markupsafe.Markup(style),
      columns=COLUMNS, rows=rows, legend=LEGEND, verdicts=verdicts(summary['rows']),
      set_columns=SET_COLUMNS, sets=[set_cells(row) for row in summary['rows']],
      model_columns=MODEL_COLUMNS, models=[_model_cells(m) for m in summary.get('models', [])],
      data_check=data_check_lines(summary.get('data_check')), notes=summary['notes'],
      sections=sections, provenance=_provenance_items(provenance, HTML_PROVENANCE),
      config=json.dumps(provenance.get('config'), indent=1, sort_keys=True, default=str),
      artifacts=json.dumps(provenance.get('artifacts', {}), indent=1, sort_keys=True))


def write_report(out_dir: str, summary: Dict[str, Any],
                 sections: Sequence[Tuple[str, Sequence[Tuple[str, str]]]]) -> str:
  """Writes the three files; returns the path of index.html."""
  tf.io.gfile.makedirs(out_dir)
  files = {INDEX_HTML: page(summary, sections), SUMMARY_MD: markdown(summary),
           SUMMARY_JSON: json.dumps(summary, indent=1, sort_keys=True, default=str)}
  for name, text in files.items():
    with tf.io.gfile.GFile(os.path.join(out_dir, name), 'wb') as handle:
      handle.write(text.encode('utf-8'))
  return os.path.join(out_dir, INDEX_HTML)
