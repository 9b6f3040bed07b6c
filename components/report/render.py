"""Writes the report: a self-contained index.html (figures embedded as data URIs),
summary.json (every number, machine-readable) and summary.md (the table). The page and
the Markdown are Jinja2 templates (templates/); this module turns the summary's values
into the text of each cell."""

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import jinja2
import markupsafe
import tensorflow as tf

from tfx_distill.components.report import equal_work, schema
from tfx_distill.components.report.schema import Row
from tfx_distill.contracts import package_data

INDEX_HTML = 'index.html'
SUMMARY_JSON = 'summary.json'
SUMMARY_MD = 'summary.md'
MARKDOWN_PROVENANCE = ('pipeline_name', 'pipeline_run_id', 'preset', 'data_source',
                       'generated_at')
HTML_PROVENANCE = ('pipeline_name', 'pipeline_run_id', 'preset', 'seeds', 'data_source',
                   'generated_at', 'generated_by')
TEMPLATES = package_data.path('tfx_distill.components.report', 'templates')


LEGEND = (
    'Accuracy: on the eval split, mean ± sample standard deviation over the '
    "set's trainings: each Trainer's model (TFMA's accuracy) and, for a small set, "
    'the same set trained again by its Trainer with other seeds (--small-seeds; '
    'measured by the Trainer on the same eval split, not exported). '
    'Images processed: optimiser steps x batch, the training work; fit time: `fit` '
    "alone, validation and learning-curve passes excluded, from each run's "
    "training.json, the median over the set's trainings. "
    'The full data at equal work: every Trainer records its accuracy on '
    'the eval split at fixed points of images processed (the learning curves below); '
    'from the curves of the full-data runs (full: epochs with early stopping; '
    'full_same_steps: the small sets\' step recipe for as much work; full_3x_steps, ...: '
    'the same recipe for several times that work) the table gives the best full '
    "accuracy after as many images as this set processed, and the fewest images any "
    'needs to reach this set\'s accuracy (none: not compared). Speed-up: those images over this set\'s '
    '(and the full run\'s fit seconds to that point over this set\'s); above 1x the '
    'set gets there with less work than the full data, below 1x it does not. ECE: '
    'expected calibration error on the eval split (TFMA). Blessed: the seed-0 '
    "model's TFMA validation, which decides the push (why, in the details below).")


def verdicts(rows: Sequence[Row]) -> List[str]:
  """A sentence per small set: faster than the full data at equal work, or not."""
  return [text for text in (equal_work.verdict(row) for row in rows) if text]


def _rows(summary: Dict[str, Any]) -> List[Row]:
  return [Row(**row) for row in summary['rows']]


def _text_table(columns, rows) -> List[List[str]]:
  """Markdown cells: the columns' texts, '|' replaced."""
  return [[cell['text'].replace('|', '/') for cell in schema.cells(columns, row)]
          for row in rows]


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
  rows = _rows(summary)
  transfer_columns, transfer_rows, _ = schema.transfer_table(rows, summary.get('transfer')
                                                             or {})
  return _environment().get_template('summary.md.j2').render(
      transfer_columns=transfer_columns,
      transfer_rows=[[cell.replace('|', '/') for cell in line] for line in transfer_rows],
      columns=schema.headers(schema.SUMMARY), legend=LEGEND, notes=summary['notes'],
      rows=_text_table(schema.SUMMARY, rows), verdicts=verdicts(rows),
      set_columns=schema.headers(schema.SETS), sets=_text_table(schema.SETS, rows),
      provenance=_provenance_items(summary['provenance'], MARKDOWN_PROVENANCE),
      data_check=data_check_lines(summary.get('data_check')))


def page(summary: Dict[str, Any], sections: Sequence[Tuple[str, Sequence[Tuple[str, str]]]]) -> str:
  """The whole HTML page (templates/index.html.j2, every value escaped); every figure
  is an <img> with a data: URI."""
  provenance = summary['provenance']
  rows = _rows(summary)
  transfer_columns, transfer_rows, _ = schema.transfer_table(rows, summary.get('transfer')
                                                             or {})
  with open(os.path.join(TEMPLATES, 'style.css'), encoding='utf-8') as f:
    style = f.read()
  return _environment().get_template('index.html.j2').render(
      transfer_columns=transfer_columns, transfer_rows=transfer_rows,
      style=markupsafe.Markup(style),
      columns=schema.headers(schema.SUMMARY),
      rows=[{'css': {True: 'blessed', False: 'not-blessed'}.get(row.blessed, ''),
             'cells': schema.cells(schema.SUMMARY, row)} for row in rows],
      legend=LEGEND, verdicts=verdicts(rows),
      set_columns=schema.headers(schema.SETS),
      sets=[[cell['text'] for cell in schema.cells(schema.SETS, row)] for row in rows],
      model_columns=schema.headers(schema.MODELS),
      models=[[cell['text'] for cell in schema.cells(schema.MODELS, model)]
              for model in summary.get('models', [])],
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
