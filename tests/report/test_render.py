"""Formatting of the summary table (pure functions of a summary dict)."""

from tfx_distill.components.report.render import COLUMNS, markdown, page, table_cells, with_std

ROW = {
    'training_set': 'kip_50', 'method': 'kip', 'images_per_class': 50, 'images': 500,
    'seeds': [0, 1, 2], 'epochs': 153.6, 'optimizer_steps': 300,
    'images_processed': 76_800, 'fit_seconds': 41.234, 'fit_seconds_std': 2.0,
    'speedup_vs_full': 12.345, 'accuracy': 0.9512, 'accuracy_std': 0.0031,
    'gap_to_full_points': -3.21, 'calibration_error': 0.0427, 'temperature': 0.04321,
    'valid_ece_before': 0.771, 'valid_ece_after': 0.0234,
    'blessed': False, 'blessed_seeds': '1/3', 'decision': 'failed: dropped 3.2 pts | x',
    'decided_by': 'max drop vs baseline', 'pushed_to': None,
}


def test_with_std():
  assert with_std(None, None) == '-'
  assert with_std(0.9512, None, scale=100) == '95.1'
  assert with_std(0.9512, 0.0031, scale=100) == '95.1 ± 0.3'
  assert with_std(41.234, 2.0, digits=2) == '41.23 ± 2.00'


def test_table_cells():
  cells = table_cells(ROW)
  assert len(cells) == len(COLUMNS)
  assert dict(zip(COLUMNS, cells)) == {
      'Training set': 'kip_50', 'Method': 'kip', 'Images / class': '50', 'Images': '500',
      'Epochs': '153.6', 'Optimiser steps': '300', 'Images processed': '76,800',
      'Training time (s, fit only)': '41.23 ± 2.00', 'Speed-up vs full': '12.3x',
      'Accuracy (%)': '95.1 ± 0.3', 'Gap to full (pts)': '-3.2', 'ECE (%)': '4.3',
      'Temperature': '0.0432', 'Valid ECE before → after (%)': '77.1 → 2.3',
      'Blessed': 'no (1/3 seeds)', 'Decided by': 'max drop vs baseline',
      'Decision': 'failed: dropped 3.2 pts | x', 'Pushed to': '-', 'Published set': '-'}
  assert table_cells({**ROW, 'published_set': '/r/distilled_sets/kip_50/7'})[-1] == (
      '/r/distilled_sets/kip_50/7')
  missing = table_cells({**ROW, 'epochs': 2.0, 'optimizer_steps': None,
                         'speedup_vs_full': None, 'valid_ece_after': None})
  assert missing[4:7] == ['2', '-', '76,800'] and missing[8] == '-' and missing[13] == '-'
  assert table_cells({**ROW, 'distill_steps': 1000, 'stopped_by_budget': False})[1] == (
      'kip, 1000 steps')


def test_markdown_and_html_escape():
  summary = {'rows': [ROW], 'provenance': {'pipeline_run_id': 'r<1>'}, 'notes': ['n & m']}
  text = markdown(summary)
  assert '| kip_50 | kip | 50 | 500 | 153.6 | 300 | 76,800 | 41.23 ± 2.00 | 12.3x |' in text
  assert 'dropped 3.2 pts / x' in text  # '|' cannot break the Markdown table
  html = page(summary, [('Figures', [('a <caption>', 'data:image/png;base64,AA==')])])
  assert 'r&lt;1&gt;' in html and 'n &amp; m' in html and 'a &lt;caption&gt;' in html
  assert html.count('<img ') == 1
