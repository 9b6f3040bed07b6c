"""The report page in headless Chromium: the summary table is there and every image
loads. Skipped when Debian's `chromium` is not installed (`make system-deps`)."""

import os
import re
import shutil
import subprocess

import pytest

from tfx_distill.components.report import plots
from tfx_distill.components.report.plots import plt
from tfx_distill.components.report.render import INDEX_HTML

PAGE_WIDTH = 1400  # px: the summary table must fit a page this wide
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason='chromium not installed (apt-get install chromium)')
# Appended to a copy of the page: records on <body> how many images there are and how
# many decoded with a non-zero size, once everything has loaded.
CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute('data-images', String(images.length));
  document.body.setAttribute('data-loaded', String(loaded.length));
  var table = document.getElementById('summary');
  if (table) {
    document.body.setAttribute('data-table-width', String(table.scrollWidth));
  }
});
</script>"""


def chromium(profile, *args, timeout=120):
  command = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
             '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync',
             f'--user-data-dir={profile}', *args]
  return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def loaded_dom(page: str, tmp_path) -> str:
  """The DOM of `page` (with CHECK_SCRIPT) after Chromium loaded it."""
  checked = tmp_path / 'checked.html'
  checked.write_text(page.replace('</body>', CHECK_SCRIPT + '</body>'), encoding='utf-8')
  result = chromium(tmp_path / 'profile', '--virtual-time-budget=10000',
                    f'--window-size={PAGE_WIDTH},2000', '--dump-dom', f'file://{checked}')
  assert result.returncode == 0, result.stderr[-2000:]
  return result.stdout


def test_check_detects_a_broken_image(tmp_path):
  good = plots.to_data_uri(plt.figure(figsize=(1, 1)))
  dom = loaded_dom(f'<html><body><img src="{good}"><img src="data:image/png;base64,AAAA">'
                   '</body></html>', tmp_path)
  assert 'data-images="2"' in dom and 'data-loaded="1"' in dom


def test_table_and_every_image_load(report_dir, tmp_path):
  with open(os.path.join(report_dir, INDEX_HTML), encoding='utf-8') as handle:
    dom = loaded_dom(handle.read(), tmp_path)
  assert '<table id="summary">' in dom
  for name in ('full', 'random_1', 'kip_1'):
    assert f'<td class="">{name}</td>' in dom
  images = re.search(r'data-images="(\d+)"', dom)
  loaded = re.search(r'data-loaded="(\d+)"', dom)
  assert images and loaded, 'the check script did not run'
  assert int(images.group(1)) == 13  # 12 plots and the transfer plot
  assert loaded.group(1) == images.group(1)
  # The table fits the page (body margins of 2em included).
  width = re.search(r'data-table-width="(\d+)"', dom)
  assert width and int(width.group(1)) <= PAGE_WIDTH - 64, width and width.group(1)


def test_screenshot(report_dir, tmp_path):
  """A screenshot of the synthetic report, or, for the README, of the page REPORT_PAGE
  names, saved where REPORT_SCREENSHOT says:
  REPORT_PAGE=runs/demo/.../index.html REPORT_SCREENSHOT=docs/report.png pytest ... -k
  screenshot."""
  page = os.path.abspath(os.environ.get('REPORT_PAGE') or
                         os.path.join(report_dir, INDEX_HTML))
  shot = os.path.abspath(os.environ.get('REPORT_SCREENSHOT') or
                         os.path.join(report_dir, 'screenshot.png'))
  os.makedirs(os.path.dirname(shot), exist_ok=True)
  result = chromium(tmp_path / 'profile', '--window-size=1400,3200',
                    f'--screenshot={shot}', f'file://{page}')
  assert result.returncode == 0, result.stderr[-2000:]
  with open(shot, 'rb') as handle:
    assert handle.read(8) == b'\x89PNG\r\n\x1a\n'
  assert os.path.getsize(shot) > 50_000  # a page of figures, not a blank one
