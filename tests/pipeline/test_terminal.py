"""`tfx-distill run`'s terminal and its log (pipeline/cli/terminal.py).

The parts on their own (progress rate limit, node lines, whose warnings show); the
whole command in this process with a stand-in for the runner that logs, prints and
writes to the file descriptors as TFX, Beam and TensorFlow do (a success, a user's
error, a bug); and the session's smoke run (tests/shared.py, the command line in a
subprocess, with TensorFlow's C++ logging at its most talkative: TF_CPP_MIN_LOG_LEVEL=0),
whose terminal must hold no library noise and every node's started and finished lines,
and whose log the noise."""

import logging
import os
import re
import sys
import warnings

import pytest
from absl import logging as absl_logging

from tests.shared import SMOKE_TRANSFER
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.progress import progress_text
from tfx_distill.pipeline import cli, local_runner
from tfx_distill.pipeline.cli import terminal
from tfx_distill.pipeline.config import preset, replace
from tfx_distill.pipeline.local_runner import LocalRun, local_paths
from tfx_distill.pipeline.pipeline import create_pipeline

NOISE = ('ArtifactQuery', 'cuda', 'WARNING:absl', 'INFO:absl', 'WARNING:tensorflow',
         'apache_beam', 'Traceback')
NATIVE_LINE = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] ', re.M)


class Clock:
  def __init__(self):
    self.now = 0.0

  def __call__(self):
    return self.now


# ------------------------------------------------------------------------------ parts


def test_progress_lines_at_most_every_30_s_and_tenth_and_always_the_last():
  clock = Clock()
  progress = terminal.ProgressFilter(clock)
  shown = []
  for step in range(1, 201):  # 200 steps, one a second
    clock.now = float(step)
    if progress.shown('', step, 200):
      shown.append(step)
  assert shown == [30, 60, 90, 120, 150, 180, 200]
  clock.now, shown = 0.0, []
  progress.reset()  # mostly fast steps: a tenth of the steps between lines at least
  for step in range(1, 201):
    clock.now += 31.0 if step in (5, 6) else 0.1
    if progress.shown('', step, 200):
      shown.append(step)
  assert shown == [20, 200]
  progress.reset()  # a quick node shows its last line only
  assert [s for s in range(1, 31) if progress.shown('Trainer_x_s0', s, 30)] == [30]
  clock.now += 100  # a slow first line: 100 s in, but not a tenth of the steps yet
  assert not progress.shown('Trainer_y_s0', 1, 30) and progress.shown('Trainer_y_s0', 3, 30)
  # A node that stops early (early stopping): its last line is shown at its end.
  assert not progress.shown('Trainer_y_s0', 4, 30, 'epoch 4/30')
  assert not progress.shown('Trainer_y_s0', 5, 30, 'epoch 5/30')
  assert progress.unshown() == ['epoch 5/30'] and progress.unshown() == []


def record(message, *args, level=logging.INFO, pathname=__file__):
  return logging.LogRecord('absl', level, pathname, 1, message, args, None)


def test_node_lines_one_line_for_a_quiet_node_two_around_anything_shown(tmp_path):
  clock = Clock()
  with open(tmp_path / 'out', 'w') as stream:
    screen = terminal.Terminal(stream)
    lines = terminal.NodeLines(screen, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'],
                               terminal.ProgressFilter(clock), clock)
    lines.handle(record('Component %s is running.', 'A'))
    clock.now = 3
    lines.handle(record('Component %s is finished.', 'A'))
    lines.handle(record('Component %s is running.', 'B'))
    lines.handle(record('A cached execution %d is used.', 5))
    lines.handle(record('Component %s is finished.', 'B'))
    lines.handle(record('Component %s is running.', 'C'))
    screen.line('[####################] step 5/5 loss 1')
    clock.now = 100
    lines.handle(record('Component %s is finished.', 'C'))
    lines.handle(record('Component %s is running.', 'D'))
    lines.handle(record('Skipping execution for %s', 'D'))
    lines.handle(record('Component %s is finished.', 'D'))
    lines.handle(record('Component %s is running.', 'E'))
    lines.progress.shown('', 3, 30, '[##..................] step 3/30 loss 2')
    clock.now = 112
    lines.fail_running('failed')
  assert (tmp_path / 'out').read_text().splitlines() == [
      '[ 1/10] A started ... done in 3 s',
      '[ 2/10] B started ... taken from the cache',
      '[ 3/10] C started',
      '[####################] step 5/5 loss 1',
      '[ 3/10] C done in 1 min 37 s',
      '[ 4/10] D started ... skipped: its inputs were not produced',
      '[ 5/10] E started',
      '[##..................] step 3/30 loss 2',
      '[ 5/10] E failed after 12 s',
  ]


def test_only_the_projects_own_warnings_show(tmp_path):
  with open(tmp_path / 'out', 'w') as stream:
    handler = terminal.ProjectWarnings(terminal.Terminal(stream))
    handler.handle(record('DataGate: allowed anomaly: %s', 'x', level=logging.WARNING,
                          pathname=terminal.__file__))
    handler.handle(record('ArtifactQuery.property_predicate is not supported.',
                          level=logging.WARNING,
                          pathname=os.path.join(os.path.dirname(logging.__file__), 'x.py')))
    handler.handle(record('from a test', level=logging.WARNING))
  assert (tmp_path / 'out').read_text() == 'warning: DataGate: allowed anomaly: x\n'


# ------------------------------------------------------------ the command, runner faked

NODES = ['Ingest', 'StatisticsGen', 'Distiller_nfr_1', 'Trainer_full_s0', 'Report']


def fake_runner(monkeypatch, failure=None):
  """run_local as the real one behaves towards the terminal, in a fraction of a second."""

  def run_local(config, root, runner='local', on_start=None):
    on_start(local_runner.run_log_path(root), config.pipeline_name, NODES)
    absl_logging.info('Using deployment config:\n %s', 'proto')
    for node in NODES:
      absl_logging.info('Component %s is running.', node)
      absl_logging.warning('ArtifactQuery.property_predicate is not supported.')
      if node == 'StatisticsGen':
        absl_logging.info('A cached execution %d is used.', 2)
        os.write(2, b'2026-12-07 05:47:10.339632: E external/local_xla/xla/stream_executor/'
                    b'cuda/cuda_fft.cc:479] Unable to register cuFFT factory\n')
        os.write(1, b'native standard output\n')
        print('printed by a library')
        print('WARNING:absl:a library writing to standard error', file=sys.stderr)
        warnings.warn('a library warning')
        logging.getLogger('apache_beam.runners').info('apache_beam chatter')
      if node == 'Distiller_nfr_1':
        logging.getLogger('absl').handle(record(  # as components/ would log it
            'Distiller nfr 1 per class: the time budget stopped it', level=logging.WARNING,
            pathname=os.path.join(os.path.dirname(terminal.__file__), 'x.py')))
        for step in range(10, 201, 10):
          print(f'[{"#" * (step // 10)}{"." * (20 - step // 10)}] step {step}/200 loss 0.1 '
                'target acc 0.5, 1 s elapsed, ETA 1 s', file=sys.stderr, flush=True)
      if node == 'Trainer_full_s0':
        for epoch in (1, 2):
          print(progress_text(epoch, 2, 'epoch', 1.0, {'loss': 0.5}, node), file=sys.stderr)
        if failure is not None:
          raise failure
      absl_logging.info('Component %s is finished.', node)
    return LocalRun(local_paths(root), os.path.join(root, 'report', 'index.html'))

  monkeypatch.setattr(local_runner, 'run_local', run_local)


def seconds(lines):
  """Lines with their node durations as 'N s' (a loaded machine may take one)."""
  return [re.sub(r'(done in|failed after) \d+ s$', r'\1 N s', line) for line in lines]


def log_of(text):
  (path,) = re.findall(r'^log: (.+)$', text, re.M)
  with open(path, encoding='utf-8') as f:
    return path, f.read()


def test_a_run_shows_nodes_progress_and_warnings_and_logs_the_rest(tmp_path, monkeypatch,
                                                                   capsys):
  fake_runner(monkeypatch)
  root = str(tmp_path / 'root')
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', root]) == 0
  captured = capsys.readouterr()
  screen = captured.err + captured.out
  for noise in NOISE + ('native standard output', 'printed by a library',
                        'a library warning', 'proto'):
    assert noise.lower() not in screen.lower(), (noise, screen)
  path, log = log_of(captured.out)
  assert path.startswith(os.path.join(root, 'logs', 'run-')) and path.endswith('.log')
  assert captured.err.splitlines()[0] == (
      f'tfx-distill run: 5 nodes of pipeline tfx-distill-smoke-sample; log: {path}')
  assert seconds(captured.err.splitlines()[1:]) == [
      '[1/5] Ingest started ... done in N s',
      '[2/5] StatisticsGen started ... taken from the cache',
      '[3/5] Distiller_nfr_1 started',
      'warning: Distiller nfr 1 per class: the time budget stopped it',
      '[####################] step 200/200 loss 0.1 target acc 0.5, 1 s elapsed, ETA 1 s',
      '[3/5] Distiller_nfr_1 done in N s',
      '[4/5] Trainer_full_s0 started',
      '[####################] Trainer_full_s0 epoch 2/2 loss 0.5 (1 s, ETA 0 s)',
      '[4/5] Trainer_full_s0 done in N s',
      '[5/5] Report started ... done in N s',
  ]
  assert captured.out.splitlines()[-2:] == [
      f'log: {path}', f'report: {os.path.join(root, "report", "index.html")}']
  assert f'pipeline root: {local_paths(root).pipeline_root}' in captured.out
  for noise in ('ArtifactQuery.property_predicate is not supported.',
                'Unable to register cuFFT factory', 'native standard output',
                'printed by a library', 'WARNING:absl:a library writing',
                'apache_beam chatter', 'Component Report is finished.', 'step 100/200 loss',
                'Trainer_full_s0 epoch 1/2'):
    assert noise in log, noise
  # Logging is back as it was.
  assert not any(isinstance(h, (terminal.NodeLines, terminal.ProjectWarnings))
                 for h in logging.getLogger().handlers)
  assert 'setLevel' not in vars(logging.getLogger('absl'))


def test_a_users_error_ends_with_the_log_and_the_one_error_line(tmp_path, monkeypatch,
                                                                 capsys):
  fake_runner(monkeypatch, DataError('npz:/x.npz', 'labels out of range'))
  root = str(tmp_path / 'root')
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', root]) == 2
  err = capsys.readouterr().err
  assert 'Traceback' not in err
  path, log = log_of(err)
  assert seconds(err.splitlines()[-3:]) == [
      '[4/5] Trainer_full_s0 failed after N s', f'log: {path}',
      'tfx-distill: error: npz:/x.npz: labels out of range']
  assert 'Traceback' in log and 'DataError: npz:/x.npz: labels out of range' in log


def test_a_bug_keeps_its_traceback_and_says_where_the_log_is(tmp_path, monkeypatch, capsys):
  fake_runner(monkeypatch, RuntimeError('a bug'))
  with pytest.raises(RuntimeError, match='a bug'):
    cli.main(['run', '--preset', 'smoke', '--pipeline-root', str(tmp_path / 'root')])
  err = capsys.readouterr().err
  path, log = log_of(err)
  assert seconds(err.splitlines()[-2:]) == ['[4/5] Trainer_full_s0 failed after N s',
                                            f'log: {path}']
  assert 'RuntimeError: a bug' in log


# ------------------------------------------------------------------ one real smoke run


@pytest.fixture(scope='module')
def smoke(smoke_run):
  """The session's smoke run (tests/shared.py), made with TF_CPP_MIN_LOG_LEVEL=0: what
  `make demo` may meet, and more."""
  return smoke_run.root, smoke_run.result


def test_the_terminal_holds_no_library_noise(smoke, smoke_run):
  root, result = smoke
  screen = result.stderr + result.stdout
  for noise in NOISE:
    assert noise.lower() not in screen.lower(), noise
  assert not NATIVE_LINE.search(screen)
  config = replace(preset('smoke'), kip_sets=(smoke_run.kip_set,), transfer=SMOKE_TRANSFER)
  nodes = len(create_pipeline(config, local_paths(root)).components)
  # A line or two a node, the slow ones' progress, and a header and footer: no more.
  assert len(screen.splitlines()) <= nodes + 30, screen


def test_every_node_has_its_started_and_finished_lines(smoke, smoke_run):
  root, result = smoke
  config = replace(preset('smoke'), kip_sets=(smoke_run.kip_set,), transfer=SMOKE_TRANSFER)
  nodes = [c.id for c in create_pipeline(config, local_paths(root)).components]
  lines = result.stderr.splitlines()
  assert lines[0].startswith(f'tfx-distill run: {len(nodes)} nodes of pipeline ')
  numbers = {}
  for line in lines:
    found = re.match(rf'\[ ?(\d+)/{len(nodes)}\] (\S+) started', line)
    if found:
      numbers[found.group(2)] = int(found.group(1))
  assert sorted(numbers) == sorted(nodes) and sorted(numbers.values()) == list(
      range(1, len(nodes) + 1)), result.stderr
  ended = r' (done in \d+ (s|min \d\d s)|taken from the cache)$'
  for node, number in numbers.items():
    label = re.escape(f'[{number:>2}/{len(nodes)}] {node}')
    assert sum(bool(re.match(label + ' started', line)) for line in lines) == 1, node
    assert sum(bool(re.match(label + '( started \\.\\.\\.)?' + ended, line))
               for line in lines) == 1, (node, result.stderr)
  # Progress: each Distiller's and Trainer's last line.
  assert sum(line.startswith('[####################] step 5/5 loss ') for line in lines) == 2
  assert any(re.match(r'\[#{20}\] Trainer_random_1_s0 step 30/30 loss ', line)
             for line in lines)


def test_the_log_holds_the_rest(smoke):
  root, result = smoke
  assert result.stdout.splitlines()[-1].startswith('report: ')
  assert f'pipeline root: {local_paths(root).pipeline_root}' in result.stdout
  path, log = log_of(result.stdout)
  assert os.path.dirname(path) == os.path.join(root, 'logs')
  assert path in result.stderr.splitlines()[0]
  assert 'ArtifactQuery.property_predicate is not supported.' in log
  assert NATIVE_LINE.search(log)  # TensorFlow's C++ logging (level 0 logs at import)
  assert 'Component Trainer_full_s0 is running.' in log
  assert 'Trainer_full_s0 epoch 1/2 loss ' in log  # every progress line
