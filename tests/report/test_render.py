"""Formatting of the report's tables (components/report/schema.py: a Row and the
columns) and the pages made from them."""

import dataclasses

import pytest

from tfx_distill.components.report import schema
from tfx_distill.components.report.render import markdown, page
from tfx_distill.components.report.schema import Row, with_std

ROW = Row(
    training_set='kip_50', method='kip', kind='distilled', recipe='small_set',
    reference=False, data='kip_50', images_per_class=50, images=500, seeds=[0, 1, 2],
    epochs=153.6, optimizer_steps=300, images_processed=76_800, fit_seconds=41.234,
    fit_seconds_std=2.0, accuracy=0.9512, accuracy_std=0.0031,
    accuracies=[0.95, 0.948, 0.9556], full_accuracy_at_same_images=0.9781,
    full_images_to_accuracy=19_200.4, full_images_to_accuracy_from='full_same_steps',
    speedup_to_accuracy=0.25, speedup_to_accuracy_seconds=0.2113, faster_than_full=False,
    gap_to_full_points=-3.21, calibration_error=0.0427, temperature=0.04321,
    valid_ece_before=0.771, valid_ece_after=0.0234, blessed=False, blessed_seeds='1/3',
    decision='failed: dropped 3.2 pts | x', decided_by='max drop vs baseline')


def texts(columns, row):
  return {cell_header: cell['text'] for cell_header, cell in
          zip(schema.headers(columns), schema.cells(columns, row))}


def test_with_std():
  assert with_std(None, None) == '-'
  assert with_std(0.9512, None, scale=100) == '95.1'
  assert with_std(0.9512, 0.0031, scale=100) == '95.1 ± 0.3'
  assert with_std(41.234, 2.0, digits=2) == '41.23 ± 2.00'


def test_summary_cells():
  assert texts(schema.SUMMARY, ROW) == {
      'Training set': 'kip_50', 'Method': 'kip', 'Images': '500',
      'Images processed (steps)': '76,800 (300)', 'Fit time (s)': '41.2',
      'Accuracy (%)': '95.1 ± 0.3', 'Full data at as many images (%)': '97.8',
      'Images the full data needs for this accuracy': '19,200',
      'Speed-up to this accuracy: images, fit time': 'not faster: 0.25x, 0.21x',
      'ECE (%)': '4.3', 'Blessed': 'no (1/3 seeds)'}
  stepped = dataclasses.replace(ROW, distill_steps=1000, stopped_by_budget=False)
  assert texts(schema.SUMMARY, stepped)['Method'] == 'kip, 1000 steps'
  missing = dataclasses.replace(ROW, optimizer_steps=None)
  assert texts(schema.SUMMARY, missing)['Images processed (steps)'] == '76,800'
  kinds = [cell['kind'] for cell in schema.cells(schema.SUMMARY, ROW)]
  assert kinds == ['', '', 'num', 'num', 'num', 'num', 'num', 'num', 'num slower', 'num',
                   'bless']


def test_speedup_says_faster_not_faster_or_nothing():
  faster = dataclasses.replace(ROW, faster_than_full=True, speedup_to_accuracy=12.34,
                               speedup_to_accuracy_seconds=8.0)
  assert schema.speedup(faster) == '12.3x, 8.0x'
  assert schema.speedup_kind(faster) == 'num faster'
  assert schema.speedup(ROW) == 'not faster: 0.25x, 0.21x'
  # The full rows, and a set no full-data run reaches (not compared): nothing.
  uncompared = dataclasses.replace(ROW, faster_than_full=None, full_images_to_accuracy=None)
  assert schema.speedup(uncompared) == '-' and schema.speedup_kind(uncompared) == 'num'


def test_set_cells():
  published = dataclasses.replace(ROW, published_set='/r/sets/kip_50/7')
  assert texts(schema.SETS, published) == {
      'Training set': 'kip_50', 'Images / class': '50', 'Epochs': '153.6',
      'Gap to full (pts)': '-3.2', 'Distillation (s)': '-',
      'Cost: distillation + fit (s)': '-', 'Break-even (trainings)': '-',
      'Temperature': '0.0432',
      'Valid ECE before → after (%)': '77.1 → 2.3', 'Decided by': 'max drop vs baseline',
      'Decision': 'failed: dropped 3.2 pts | x', 'Pushed to': '-',
      'Published set': '/r/sets/kip_50/7'}


def test_cost_and_break_even_cells():
  made = dataclasses.replace(ROW, distill_seconds=85.4, cost_seconds=126.6)
  assert texts(schema.SETS, made)['Distillation (s)'] == '85'
  assert texts(schema.SETS, made)['Cost: distillation + fit (s)'] == '127'
  assert texts(schema.SETS, made)['Break-even (trainings)'] == 'never'  # not faster
  faster = dataclasses.replace(made, faster_than_full=True, break_even_trainings=11)
  assert texts(schema.SETS, faster)['Break-even (trainings)'] == '11'


def test_a_new_column_is_one_entry():
  """The templates iterate over the columns: a column added to a table shows in both
  the page and the Markdown, with no other change."""
  extra = schema.Column('Seeds', lambda r: str(len(r.seeds)), 'num')
  summary = {'rows': [ROW.to_json()], 'provenance': {}, 'notes': []}
  original = schema.SUMMARY
  try:
    schema.SUMMARY = original + (extra,)
    text, html = markdown(summary), page(summary, [])
  finally:
    schema.SUMMARY = original
  assert '| Seeds |' in text and '| no (1/3 seeds) | 3 |' in text
  assert '<th>Seeds</th>' in html and '<td class="num">3</td>' in html


def test_markdown_and_html_escape():
  summary = {'rows': [ROW.to_json()], 'provenance': {'pipeline_run_id': 'r<1>'},
             'notes': ['n & m']}
  text = markdown(summary)
  assert '| kip_50 | kip | 500 | 76,800 (300) | 41.2 | 95.1 ± 0.3 | 97.8 |' in text
  assert 'dropped 3.2 pts / x' in text  # '|' cannot break the Markdown table
  assert ('- kip_50: NOT faster than the full data: it reaches 95.1% after 76,800 images '
          'processed, the full data (full_same_steps) after 19,200 (0.25x)') in text
  html = page(summary, [('Figures', [('a <caption>', 'data:image/png;base64,AA==')])])
  assert 'r&lt;1&gt;' in html and 'n &amp; m' in html and 'a &lt;caption&gt;' in html
  assert html.count('<img ') == 1
  assert '<td class="num slower">not faster: 0.25x, 0.21x</td>' in html


def test_the_transfer_table_gives_each_distilled_set_its_gap_to_the_reference():
  def row(name, kind='distilled', reference=False, images_per_class=10, accuracy=0.9):
    return dataclasses.replace(ROW, training_set=name, kind=kind, reference=reference,
                               images_per_class=images_per_class, accuracy=accuracy,
                               accuracy_std=None)
  rows = [row('full_same_steps', kind='full', images_per_class=None, accuracy=0.96),
          row('random_10', reference=True, accuracy=0.906), row('nfr_10', accuracy=0.964)]
  transfer = {'full_same_steps': {'mlp': {'what': 'mlp network', 'accuracies': [0.89]}},
              'random_10': {'mlp': {'what': 'mlp network', 'accuracies': [0.87, 0.89]}},
              'nfr_10': {'mlp': {'what': 'mlp network', 'accuracies': [0.84, 0.83]}}}
  headers, cells, gaps = schema.transfer_table(rows, transfer)
  assert headers == ['Training set', "The run's network and recipe (%)",
                     'mlp network (%)']
  assert cells == [['full_same_steps', '96.0', '89.0'],
                   ['random_10', '90.6', '88.0 ± 1.4'],
                   ['nfr_10', '96.4', '83.5 ± 0.7 (-4.5 vs random_10)']]
  assert gaps == {('nfr_10', 'mlp'): pytest.approx(-4.5)}
  summary = {'rows': [r.to_json() for r in rows], 'transfer': transfer,
             'provenance': {}, 'notes': []}
  assert '| nfr_10 | 96.4 | 83.5 ± 0.7 (-4.5 vs random_10) |' in markdown(summary)
  assert '<table id="transfer">' in page(summary, [])
