"""Formatting of the summary table (pure functions of a summary dict)."""

from tfx_distill.components.report.render import (COLUMNS, SET_COLUMNS, markdown, page,
                                                  set_cells, speedup_text, table_cells,
                                                  with_std)

ROW = {
    'training_set': 'kip_50', 'method': 'kip', 'images_per_class': 50, 'images': 500,
    'seeds': [0, 1, 2], 'epochs': 153.6, 'optimizer_steps': 300,
    'images_processed': 76_800, 'fit_seconds': 41.234, 'fit_seconds_std': 2.0,
    'accuracy': 0.9512, 'accuracy_std': 0.0031,
    'full_accuracy_at_same_images': 0.9781, 'full_images_to_accuracy': 19_200.4,
    'full_images_to_accuracy_from': 'full_same_steps',
    'full_images_to_accuracy_reason': None, 'speedup_to_accuracy': 0.25,
    'speedup_to_accuracy_seconds': 0.2113, 'faster_than_full': False,
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
      'Training set': 'kip_50', 'Method': 'kip', 'Images': '500',
      'Images processed (steps)': '76,800 (300)', 'Fit time (s)': '41.2 ± 2.0',
      'Accuracy (%)': '95.1 ± 0.3', 'Full data at as many images (%)': '97.8',
      'Images the full data needs for this accuracy': '19,200',
      'Speed-up to this accuracy: images, fit time': 'not faster: 0.25x, 0.21x',
      'ECE (%)': '4.3', 'Blessed': 'no (1/3 seeds)'}
  assert table_cells({**ROW, 'distill_steps': 1000, 'stopped_by_budget': False})[1] == (
      'kip, 1000 steps')
  missing = table_cells({**ROW, 'optimizer_steps': None})
  assert missing[3] == '76,800'


def test_speedup_says_faster_or_not():
  assert speedup_text({**ROW, 'faster_than_full': True, 'speedup_to_accuracy': 12.34,
                       'speedup_to_accuracy_seconds': 8.0}) == '12.3x, 8.0x'
  assert speedup_text(ROW) == 'not faster: 0.25x, 0.21x'
  assert speedup_text({**ROW, 'faster_than_full': True,
                       'full_images_to_accuracy': None}) == 'full data never reaches it'
  full = {**ROW, 'faster_than_full': None}  # the full rows: no comparison
  assert speedup_text(full) == '-'


def test_set_cells():
  cells = dict(zip(SET_COLUMNS, set_cells({**ROW, 'published_set': '/r/sets/kip_50/7'})))
  assert cells == {
      'Training set': 'kip_50', 'Images / class': '50', 'Epochs': '153.6',
      'Gap to full (pts)': '-3.2', 'Temperature': '0.0432',
      'Valid ECE before → after (%)': '77.1 → 2.3', 'Decided by': 'max drop vs baseline',
      'Decision': 'failed: dropped 3.2 pts | x', 'Pushed to': '-',
      'Published set': '/r/sets/kip_50/7'}


def test_markdown_and_html_escape():
  summary = {'rows': [ROW], 'provenance': {'pipeline_run_id': 'r<1>'}, 'notes': ['n & m']}
  text = markdown(summary)
  assert '| kip_50 | kip | 500 | 76,800 (300) | 41.2 ± 2.0 | 95.1 ± 0.3 | 97.8 |' in text
  assert 'dropped 3.2 pts / x' in text  # '|' cannot break the Markdown table
  assert ('- kip_50: NOT faster than the full data: it reaches 95.1% after 76,800 images '
          'processed, the full data (full_same_steps) after 19,200 (0.25x)') in text
  html = page(summary, [('Figures', [('a <caption>', 'data:image/png;base64,AA==')])])
  assert 'r&lt;1&gt;' in html and 'n &amp; m' in html and 'a &lt;caption&gt;' in html
  assert html.count('<img ') == 1
  assert '<td class="num slower">not faster: 0.25x, 0.21x</td>' in html
