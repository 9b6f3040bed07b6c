"""What `tfx-distill run` shows on the terminal, and the run's log file that holds the rest.

The terminal gets:

- where the full log is, when the run starts and when it ends;
- one line per pipeline node when it starts and one when it ends, `[ 5/37]
  Distiller_nfr_50 started` ... `[ 5/37] Distiller_nfr_50 done in 1 min 25 s` (or
  `taken from the cache`, `skipped`, `failed after 12 s`); a node that ends before
  anything else is shown ends its own line: `[ 3/37] SchemaGen started ... done in 1 s`;
- the Distillers' and Trainers' progress lines (contracts/progress.py,
  trainer/progress.py), rate-limited (`ProgressFilter`): a node's last one (the last
  one it wrote when it ends early: early stopping, a time budget, a failure), and before
  it one at most every PROGRESS_EVERY_S seconds (from the node's start) and every tenth
  of its steps;
- the warnings of this project's own code (`ProjectWarnings`): each is one a user can
  act on (an anomaly the DataGate let through, a drift check that compared nothing, a
  distillation its time budget stopped, something the report could not read);
- the command's own lines: the outputs' paths, or the error line (`cli/failures.py`).

Everything else goes to the log, `<root>/logs/run-<time>.log`: Python logging from INFO
up (TFX, absl, Beam, TensorFlow), Python warnings, what anything prints to standard
output or error, every progress line, the traceback of a failure, and what native code
(TensorFlow's C++ logging) writes to file descriptors 1 and 2. The log starts with what
was written before it could be opened: `Console.capture` sends file descriptor 2 (and
logging) to a temporary file from the start of `main`, before TensorFlow is imported,
whatever TF_CPP_MIN_LOG_LEVEL says, and `Console.pipeline_run` moves it into the log
once the run knows its root.
"""

import contextlib
import io
import logging
import os
import re
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

from tfx_distill.contracts.progress import duration
from tfx_distill.pipeline.cli.failures import user_message

LOG_FORMAT = '%(asctime)s %(levelname).1s %(name)s %(filename)s:%(lineno)d] %(message)s'
PROGRESS_EVERY_S = 30.0  # at most one progress line of a node per this many seconds,
PROGRESS_LINES = 10  # and per this share of its steps (about ten per node at most)
# `[####................] [LABEL ]step|epoch D/T ...` (contracts/progress.py)
PROGRESS = re.compile(r'^\[[#.]{20}\] (?:(?P<label>\S+) )?(?:step|epoch) '
                      r'(?P<done>\d+)/(?P<total>\d+) ')
# What TFX's LocalDagRunner (and BeamDagRunner) and its launcher log about a node, as
# absl logging format strings (tfx/orchestration/local/local_dag_runner.py,
# beam/beam_dag_runner.py, portable/launcher.py).
NODE_STARTED = ('Component %s is running.', 'node %s is running.')
NODE_FINISHED = ('Component %s is finished.', 'node %s is finished.')
NODE_SKIPPED = ('Skipping component %s.', 'Node %s is skipped in this partial run.')
EXECUTION_CACHED = 'A cached execution %d is used.'
EXECUTION_NOT_TRIGGERED = 'Skipping execution for %s'
PROJECT_PACKAGES = ('blessing', 'components', 'contracts', 'kubeflow', 'pipeline',
                    'trainer')


class Terminal:
  """Lines on the terminal, from any thread. `open_line` leaves a line open (no
  newline); `close_line` ends it with more text when nothing was shown since, else
  shows a whole line instead."""

  def __init__(self, stream: TextIO):
    self.stream = stream
    self.lock = threading.RLock()
    self.open_key: Optional[str] = None

  def _end_open_line(self) -> None:
    if self.open_key is not None:
      self.stream.write('\n')
      self.open_key = None

  def line(self, text: str) -> None:
    with self.lock:
      self._end_open_line()
      self.stream.write(text + '\n')
      self.stream.flush()

  def open_line(self, key: str, text: str) -> None:
    with self.lock:
      self._end_open_line()
      self.stream.write(text)
      self.stream.flush()
      self.open_key = key

  def close_line(self, key: str, rest: str, whole: str) -> None:
    with self.lock:
      if self.open_key == key:
        self.stream.write(rest + '\n')
        self.stream.flush()
        self.open_key = None
      else:
        self.line(whole)

  def finish(self) -> None:
    with self.lock:
      self._end_open_line()
      self.stream.flush()


class ProgressFilter:
  """Which of a node's progress lines reach the terminal: the last (D == T), and one
  when PROGRESS_EVERY_S seconds and a PROGRESS_LINES-th of the steps have passed since
  the last one shown (or since the node started: a node shorter than PROGRESS_EVERY_S
  shows its last line only). Per label (a Trainer's node id; none for a Distiller);
  `reset` at each node's start; `unshown` at its end: the last lines it hid, when they
  came after the last one shown (a run that stopped before its last step)."""

  def __init__(self, clock: Callable[[], float] = time.monotonic):
    self.clock = clock
    self.lock = threading.Lock()
    self.reset()

  def reset(self) -> None:
    with self.lock:
      self.start = self.clock()
      self.shown_at: Dict[str, Tuple[int, float]] = {}  # label -> (done, time) shown
      self.hidden: Dict[str, str] = {}  # label -> the last line hidden since

  def shown(self, label: str, done: int, total: int, line: str = '') -> bool:
    with self.lock:
      now = self.clock()
      last_done, last_time = self.shown_at.get(label, (0, self.start))
      show = done >= total or (now - last_time >= PROGRESS_EVERY_S
                               and done - last_done >= total / PROGRESS_LINES)
      if show:
        self.shown_at[label] = (done, now)
        self.hidden.pop(label, None)
      else:
        self.hidden[label] = line
      return show

  def unshown(self) -> List[str]:
    with self.lock:
      lines, self.hidden = list(self.hidden.values()), {}
      return lines


class NodeLines(logging.Handler):
  """Turns the runner's log records about nodes into the terminal's node lines."""

  def __init__(self, terminal: Terminal, node_ids: Sequence[str],
               progress: ProgressFilter, clock: Callable[[], float] = time.monotonic):
    super().__init__(logging.INFO)
    self.terminal, self.progress, self.clock = terminal, progress, clock
    self.total = len(node_ids)
    self.count = 0
    self.nodes: Dict[str, dict] = {}  # node id -> number, start, outcome
    self.current = threading.local()  # the node this thread runs

  def label(self, node: str) -> str:
    width = len(str(self.total))
    return f'[{self.nodes[node]["number"]:>{width}}/{self.total}] {node}'

  def _number(self, node: str) -> None:
    self.count += 1
    self.nodes[node] = {'number': self.count, 'start': self.clock(), 'outcome': None,
                        'ended': False}

  def emit(self, record: logging.LogRecord) -> None:
    try:
      message, args = record.msg, record.args if isinstance(record.args, tuple) else ()
      if message in NODE_STARTED and args:
        self.started(str(args[0]))
      elif message in NODE_FINISHED and args:
        self.finished(str(args[0]))
      elif message in NODE_SKIPPED and args:
        node = str(args[0])
        self._number(node)
        self.nodes[node]['ended'] = True
        self.terminal.line(f'{self.label(node)} skipped (partial run)')
      elif message == EXECUTION_CACHED:
        self.mark('taken from the cache')
      elif message == EXECUTION_NOT_TRIGGERED:
        self.mark('skipped: its inputs were not produced')
    except Exception:  # pylint: disable=broad-except
      self.handleError(record)

  def started(self, node: str) -> None:
    self._number(node)
    self.current.node = node
    self.progress.reset()
    self.terminal.open_line(node, f'{self.label(node)} started')

  def mark(self, outcome: str) -> None:
    node = getattr(self.current, 'node', None)
    if node in self.nodes:
      self.nodes[node]['outcome'] = outcome

  def finished(self, node: str, failure: str = '') -> None:
    if node not in self.nodes or self.nodes[node]['ended']:
      return
    state = self.nodes[node]
    took = duration(self.clock() - state['start'])
    text = (f'{failure} after {took}' if failure else state['outcome']
            or f'done in {took}')
    state['ended'] = True
    if getattr(self.current, 'node', None) == node:
      self.current.node = None
      for line in self.progress.unshown():
        self.terminal.line(line)
    self.terminal.close_line(node, f' ... {text}', f'{self.label(node)} {text}')

  def fail_running(self, failure: str) -> None:
    """Ends the line of every node started and not finished (`failure` after ...)."""
    for node in list(self.nodes):
      self.finished(node, failure)


class ProjectWarnings(logging.Handler):
  """Shows the warnings (and errors) logged by this project's own modules: `warning:
  MESSAGE`."""

  def __init__(self, terminal: Terminal):
    super().__init__(logging.WARNING)
    self.terminal = terminal
    self.folders = tuple(os.path.realpath(folder) + os.sep for folder in _project_folders())
    self.seen: Dict[str, bool] = {}

  def ours(self, pathname: str) -> bool:
    if pathname not in self.seen:
      self.seen[pathname] = os.path.realpath(pathname).startswith(self.folders)
    return self.seen[pathname]

  def emit(self, record: logging.LogRecord) -> None:
    try:
      if self.ours(record.pathname or ''):
        self.terminal.line(f'{record.levelname.lower()}: {record.getMessage()}')
    except Exception:  # pylint: disable=broad-except
      self.handleError(record)


def _project_folders() -> List[str]:
  import importlib.util  # pylint: disable=g-import-not-at-top
  folders = []
  for package in PROJECT_PACKAGES:
    spec = importlib.util.find_spec(f'tfx_distill.{package}')
    folders += list(spec.submodule_search_locations or []) if spec else []
  return folders


class StderrRouter(io.TextIOBase):
  """sys.stderr during a run: every line goes to the log; a progress line also to the
  terminal when the ProgressFilter lets it."""

  def __init__(self, log: TextIO, terminal: Terminal, progress: ProgressFilter):
    super().__init__()
    self.log, self.terminal, self.progress = log, terminal, progress
    self.pending = ''
    self.lock = threading.Lock()

  @property
  def encoding(self):
    return 'utf-8'

  def writable(self) -> bool:
    return True

  def isatty(self) -> bool:
    return False

  def fileno(self) -> int:
    return 2  # the log, at the file descriptor level

  def write(self, text: str) -> int:
    with self.lock:
      self.pending += text
      lines = self.pending.split('\n')
      self.pending = lines.pop()
      if len(self.pending) > 1 << 16:  # no newline in sight (e.g. '\r' bars)
        lines.append(self.pending)
        self.pending = ''
    for line in lines:
      self._line(line)
    return len(text)

  def _line(self, line: str) -> None:
    self.log.write(line + '\n')
    match = PROGRESS.match(line)
    if match and self.progress.shown(match.group('label') or '', int(match.group('done')),
                                     int(match.group('total')), line):
      self.terminal.line(line)

  def flush(self) -> None:
    self.log.flush()

  def drain(self) -> None:
    with self.lock:
      rest, self.pending = self.pending, ''
    if rest:
      self._line(rest)
    self.log.flush()


def _fileno(stream) -> Optional[int]:
  try:
    return stream.fileno()
  except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
    return None


def _stream_handlers() -> Iterator[logging.StreamHandler]:
  loggers = [logging.getLogger()] + [
      logger for logger in list(logging.Logger.manager.loggerDict.values())
      if isinstance(logger, logging.Logger)]
  for logger in loggers:
    for handler in list(logger.handlers):
      if (isinstance(handler, logging.StreamHandler)
          and not isinstance(handler, logging.FileHandler)):
        yield handler


def _repoint(streams, to: TextIO) -> List[Tuple[logging.StreamHandler, TextIO]]:
  """Points every stream handler that writes to one of `streams` at `to`; returns
  (handler, its stream before) to undo it."""
  moved = []
  for handler in _stream_handlers():
    if any(handler.stream is s for s in streams if s is not None):
      moved.append((handler, handler.stream))
      handler.setStream(to)
  return moved


def _undo(moved) -> None:
  for handler, stream in moved:
    handler.setStream(stream)


class Console:
  """The terminal and the log of one `tfx-distill run` (see the module docstring).

  `capture()` (a context, from the start of `main`): file descriptor 2 and Python
  logging go to a temporary file; sys.stderr (argparse's messages, the error line, a
  traceback) stays the terminal. `pipeline_run()` (a context around `run_local`):
  yields the `on_start(log_path, pipeline_name, node_ids)` the runner calls once the run
  starts, which opens the log and sends standard output, standard error and logging
  there (the terminal gets what the module docstring lists) until the context ends."""

  def __init__(self):
    self.captured = False
    self.log_path: Optional[str] = None
    self.terminal: Optional[TextIO] = None  # where terminal lines go
    self._sink: Optional[TextIO] = None  # the temporary file's or the log's text stream
    self._buffer = None
    self._saved: dict = {}

  # -------------------------------------------------------------- from main's start on

  @contextlib.contextmanager
  def capture(self, enabled: bool = True):
    if not enabled or self.captured:
      yield self
      return
    self._start_capture()
    error = None
    try:
      yield self
    except BaseException as e:  # pylint: disable=broad-except
      error = e
      raise
    finally:
      self._end_capture(error)

  def _start_capture(self) -> None:
    for stream in (sys.stdout, sys.stderr):
      with contextlib.suppress(Exception):
        stream.flush()
    saved = self._saved
    saved['stderr'] = sys.stderr
    saved['fd2'] = os.dup(2)
    self._buffer = tempfile.TemporaryFile()
    os.dup2(self._buffer.fileno(), 2)
    if _fileno(sys.stderr) == 2:  # the real standard error: a copy of its descriptor
      self.terminal = open(os.dup(saved['fd2']), 'w', buffering=1,  # pylint: disable=consider-using-with
                           encoding=getattr(sys.stderr, 'encoding', None) or 'utf-8',
                           errors='backslashreplace')
      sys.stderr = self.terminal
    else:  # already redirected in this process (e.g. a test's capture): keep it
      self.terminal = sys.stderr
    self._sink = open(os.dup(self._buffer.fileno()), 'w', buffering=1, encoding='utf-8',  # pylint: disable=consider-using-with
                      errors='backslashreplace')
    root = logging.getLogger()
    saved['root'] = (list(root.handlers), root.level)
    self._sink_handler = logging.StreamHandler(self._sink)
    self._sink_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.handlers = [self._sink_handler]  # no basicConfig to the terminal
    root.setLevel(logging.INFO)
    saved['moved'] = _repoint((saved['stderr'], sys.__stderr__), self._sink)
    logging.captureWarnings(True)
    self.captured = True

  def _end_capture(self, error: Optional[BaseException]) -> None:
    saved = self._saved
    logging.captureWarnings(False)
    root = logging.getLogger()
    root.handlers, level = saved['root']
    root.setLevel(level)
    _undo(saved['moved'])
    self._sink.flush()
    os.dup2(saved['fd2'], 2)
    os.close(saved['fd2'])
    if self.terminal is not saved['stderr']:
      _undo(_repoint((self.terminal,), saved['stderr']))
      self.terminal.close()
    sys.stderr = saved['stderr']
    self.terminal = sys.stderr
    if self.log_path is None and _is_bug(error):
      # A crash before the log existed: what was written is on the terminal after all.
      self._buffer.seek(0)
      sys.stderr.write(self._buffer.read().decode('utf-8', 'backslashreplace'))
      sys.stderr.flush()
    self._sink.close()
    self._buffer.close()
    self.captured = False

  # ------------------------------------------------------------------- during the run

  @contextlib.contextmanager
  def pipeline_run(self):
    """Yields on_start(log_path, pipeline_name, node_ids); the terminal and the log as
    the module docstring says from that call to the end of the context."""
    with self.capture():
      run = {}

      def on_start(log_path: str, pipeline_name: str, node_ids: Sequence[str]) -> None:
        self._open_log(log_path)
        run.update(self._start_run(node_ids))
        run['terminal'].line(f'tfx-distill run: {len(node_ids)} nodes of pipeline '
                             f'{pipeline_name}; log: {log_path}')

      error = None
      try:
        yield on_start
      except BaseException as e:  # pylint: disable=broad-except
        error = e
        raise
      finally:
        if run:
          self._end_run(run, error)

  def _open_log(self, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    self._sink.flush()
    self._buffer.seek(0)
    os.write(log_fd, self._buffer.read())
    os.dup2(log_fd, 2)
    sink = open(log_fd, 'a', buffering=1, encoding='utf-8', errors='backslashreplace')  # pylint: disable=consider-using-with
    for handler in _stream_handlers():
      if handler.stream is self._sink:
        handler.setStream(sink)
    self._sink.close()
    self._sink = sink
    self._buffer.truncate(0)
    self.log_path = path

  def _start_run(self, node_ids: Sequence[str]) -> dict:
    terminal = Terminal(self.terminal)
    progress = ProgressFilter()
    lines = NodeLines(terminal, node_ids, progress)
    warnings_ = ProjectWarnings(terminal)
    for stream in (sys.stdout, sys.stderr):
      with contextlib.suppress(Exception):
        stream.flush()
    run = {'terminal': terminal, 'lines': lines, 'handlers': (lines, warnings_),
           'stdout': sys.stdout, 'stderr': sys.stderr, 'fd1': os.dup(1)}
    os.dup2(self._sink.fileno(), 1)
    sys.stdout = self._sink
    router = StderrRouter(self._sink, terminal, progress)
    run['router'] = router
    sys.stderr = router
    run['moved'] = _repoint((self.terminal, run['stdout'], sys.__stdout__), self._sink)
    root = logging.getLogger()
    for handler in run['handlers']:
      root.addHandler(handler)
    absl = logging.getLogger('absl')
    run['absl_level'] = absl.level
    absl.setLevel(logging.INFO)  # TFX's node records are absl INFO
    absl.setLevel = _at_most_info(absl)
    return run

  def _end_run(self, run: dict, error: Optional[BaseException]) -> None:
    lines: NodeLines = run['lines']
    if error is not None:
      logging.getLogger(__name__).error('the run ended with %s', type(error).__name__,
                                        exc_info=(type(error), error, error.__traceback__))
      lines.fail_running('interrupted' if isinstance(error, KeyboardInterrupt)
                         else 'failed')
    root = logging.getLogger()
    for handler in run['handlers']:
      root.removeHandler(handler)
    absl = logging.getLogger('absl')
    vars(absl).pop('setLevel', None)
    absl.setLevel(run['absl_level'])
    _undo(run['moved'])
    run['router'].drain()
    sys.stderr = run['stderr']
    sys.stdout = run['stdout']
    self._sink.flush()
    os.dup2(run['fd1'], 1)
    os.close(run['fd1'])
    run['terminal'].finish()
    if error is not None:
      run['terminal'].line(f'log: {self.log_path}')


def _at_most_info(logger: logging.Logger) -> Callable[[int], None]:
  """A setLevel for `logger` that keeps it at INFO or below: the node lines come from
  absl INFO records, and code run by a node may raise absl's level (the log says who)."""

  def set_level(level) -> None:
    level = logging.getLevelName(level) if isinstance(level, str) else level
    if isinstance(level, int) and level > logging.INFO:
      frames = [f for f in traceback.extract_stack()[:-1]
                if not re.search(r'[/\\](absl|logging)[/\\]', f.filename)]
      caller = f'{frames[-1].filename}:{frames[-1].lineno}' if frames else '?'
      logging.getLogger(__name__).info('%s logging kept at INFO during the run (%s '
                                       'asked for %s)', logger.name, caller,
                                       logging.getLevelName(level))
      level = logging.INFO
    logging.Logger.setLevel(logger, level)

  return set_level


def _is_bug(error: Optional[BaseException]) -> bool:
  """An exception that is neither the user's to fix nor an exit or an interrupt."""
  return (isinstance(error, Exception) and user_message(error) is None)
