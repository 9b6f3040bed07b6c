"""Writes the report: a self-contained index.html (figures embedded as data URIs),
summary.json (every number, machine-readable) and summary.md (the table)."""

import html
import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import tensorflow as tf

INDEX_HTML = 'index.html'
SUMMARY_JSON = 'summary.json'
SUMMARY_MD = 'summary.md'
COLUMNS = ('Training set', 'Method', 'Images / class', 'Images', 'Epochs',
           'Optimiser steps', 'Images processed', 'Training time (s, fit only)',
           'Speed-up vs full', 'Accuracy (%)', 'Gap to full (pts)', 'ECE (%)',
           'Temperature', 'Valid ECE before → after (%)', 'Blessed', 'Decided by',
           'Decision', 'Pushed to', 'Published set')
NUMERIC = frozenset(range(2, 14))  # right-aligned columns
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.blessed td.bless { color: #176b1e; font-weight: bold; }
tr.not-blessed td.bless { color: #a11; font-weight: bold; }
figure { display: inline-block; vertical-align: top; margin: 0.5em 1.5em 1em 0; }
figcaption { font-size: 13px; color: #555; max-width: 640px; }
img { max-width: 100%; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
"""


LEGEND = (
    'Accuracy: TFMA on the eval split, mean ± sample standard deviation over seeds. '
    'Images: training examples; epochs: passes over them (images processed / images; '
    'the full set stops early on the valid split); optimiser steps and images '
    'processed (steps x batch): the training work. Training time: `fit` alone, '
    "validation passes excluded, from each run's training.json; speed-up: the full "
    "model's fit seconds over this set's. Gap: accuracy minus the full model's, in "
    'points. ECE: expected calibration error on the eval split (TFMA); temperature: '
    'fitted on the valid split, with the valid ECE before and after it. Blessed: the '
    "seed-0 model's TFMA validation, which decides the push; \"decided by\" names the "
    'threshold that failed (value floor, max drop vs the baseline, max calibration '
    'error) or "passed". Published set: the distilled set of a pushed model '
    '(kip_set.npz and kip_set.json), in the pushed model\'s version.')


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


def table_cells(row: dict) -> List[str]:
  """One table row as text, in COLUMNS order."""
  gap, speedup, temperature = (row['gap_to_full_points'], row.get('speedup_vs_full'),
                               row.get('temperature'))
  return [
      row['training_set'], _method(row),
      '-' if row['images_per_class'] is None else str(row['images_per_class']),
      _count(row['images']), _passes(row['epochs']), _count(row.get('optimizer_steps')),
      _count(row.get('images_processed')),
      with_std(row['fit_seconds'], row['fit_seconds_std'], digits=2),
      '-' if speedup is None else f'{speedup:.1f}x',
      with_std(row['accuracy'], row['accuracy_std'], scale=100),
      '-' if gap is None else f'{gap:+.1f}',
      with_std(row['calibration_error'], None, scale=100),
      '-' if temperature is None else f'{temperature:.3g}',
      _ece_change(row),
      _blessed(row), row['decided_by'], row['decision'], row['pushed_to'] or '-',
      row.get('published_set') or '-',
  ]


def data_check_lines(check: Optional[dict]) -> List[str]:
  """The DataGate's verdict as sentences: the schema, then one line per anomaly."""
  if not check:
    return ['no data check found (a run made before the DataGate existed?)']
  anomalies = check.get('anomalies') or []
  verdict = ('no anomalies' if not anomalies else
             f'{len(anomalies)} anomalies, allowed by --allow-anomalies')
  lines = [f"data checked against the schema {check.get('schema')}: {verdict}"]
  lines += [f"{a['where']}, feature '{a['feature']}' ({a['severity']}): {a['short']}: "
            f"{a['description']}" for a in anomalies]
  return lines


def markdown(summary: Dict[str, Any]) -> str:
  """The summary table and provenance as Markdown."""
  lines = ['# tfx-distill report', '', '| ' + ' | '.join(COLUMNS) + ' |',
           '|' + '---|' * len(COLUMNS)]
  for row in summary['rows']:
    cells = [cell.replace('|', '/') for cell in table_cells(row)]
    lines.append('| ' + ' | '.join(cells) + ' |')
  provenance = summary['provenance']
  lines += ['', LEGEND, '']
  for key in ('pipeline_name', 'pipeline_run_id', 'preset', 'data_source',
              'generated_at'):
    if provenance.get(key) is not None:
      lines.append(f'- {key}: {provenance[key]}')
  lines += [f'- note: {note}' for note in summary['notes']]
  lines += ['', '## Data validation', '']
  lines += [f'- {line}' for line in data_check_lines(summary.get('data_check'))]
  return '\n'.join(lines) + '\n'


def _table_html(rows: Sequence[dict]) -> str:
  numeric = NUMERIC
  head = ''.join(f'<th>{html.escape(c)}</th>' for c in COLUMNS)
  body = []
  for row in rows:
    css = {True: 'blessed', False: 'not-blessed'}.get(row['blessed'], '')
    cells = []
    for index, text in enumerate(table_cells(row)):
      kind = 'num' if index in numeric else ('bless' if COLUMNS[index] == 'Blessed' else '')
      cells.append(f'<td class="{kind}">{html.escape(text)}</td>')
    body.append(f'<tr class="{css}">' + ''.join(cells) + '</tr>')
  return (f'<table id="summary"><thead><tr>{head}</tr></thead><tbody>'
          + ''.join(body) + '</tbody></table>')


def _models_html(models: Sequence[dict]) -> str:
  """Every model (training set and seed) on its own row, inside a <details>."""
  head = ''.join(f'<th>{c}</th>' for c in ('Training set', 'Seed', 'Accuracy (%)',
                                            'Training time (s)', 'Epochs',
                                            'Optimiser steps', 'Temperature', 'Blessed',
                                            'Decision'))
  body = ''.join(
      '<tr>' + ''.join(f'<td>{html.escape(text)}</td>' for text in (
          m['training_set'], str(m['seed']), with_std(m['accuracy'], None, scale=100),
          with_std(m['fit_seconds'], None, digits=2), _passes(m['epochs']),
          _count(m.get('optimizer_steps')),
          '-' if m.get('temperature') is None else f"{m['temperature']:.3g}",
          {True: 'yes', False: 'no'}.get(m['blessed'], '-'), m['decision'])) + '</tr>'
      for m in models)
  return (f'<details><summary>Every model ({len(models)})</summary><table id="models">'
          f'<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>')


def _provenance_html(provenance: Dict[str, Any]) -> str:
  items = []
  for key in ('pipeline_name', 'pipeline_run_id', 'preset', 'seeds', 'data_source',
              'generated_at', 'generated_by'):
    if provenance.get(key) is not None:
      items.append(f'<li><b>{html.escape(key)}</b>: {html.escape(str(provenance[key]))}</li>')
  config = json.dumps(provenance.get('config'), indent=1, sort_keys=True, default=str)
  artifacts = json.dumps(provenance.get('artifacts', {}), indent=1, sort_keys=True)
  return (f'<ul>{"".join(items)}</ul><details><summary>Configuration</summary>'
          f'<pre>{html.escape(config)}</pre></details><details><summary>Artifacts'
          f'</summary><pre>{html.escape(artifacts)}</pre></details>')


def page(summary: Dict[str, Any], sections: Sequence[Tuple[str, Sequence[Tuple[str, str]]]]) -> str:
  """The whole HTML page; every figure is an <img> with a data: URI."""
  parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<title>tfx-distill report</title>', f'<style>{STYLE}</style></head><body>',
           '<h1>tfx-distill: distilled MNIST sets against the full data</h1>',
           '<h2>Summary</h2>', _table_html(summary['rows']),
           f'<p>{html.escape(LEGEND)}</p>']
  parts.append(_models_html(summary.get('models', [])))
  check = data_check_lines(summary.get('data_check'))
  parts.append('<h2>Data validation</h2><ul id="data-check">' + ''.join(
      f'<li>{html.escape(line)}</li>' for line in check) + '</ul>')
  if summary['notes']:
    parts.append('<ul class="notes">' + ''.join(
        f'<li>{html.escape(n)}</li>' for n in summary['notes']) + '</ul>')
  for title, figures in sections:
    parts.append(f'<h2>{html.escape(title)}</h2>')
    for caption, uri in figures:
      parts.append(f'<figure><img src="{uri}" alt="{html.escape(caption)}">'
                   f'<figcaption>{html.escape(caption)}</figcaption></figure>')
  parts += ['<h2>Provenance</h2>', _provenance_html(summary['provenance']),
            '</body></html>']
  return '\n'.join(parts)


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
