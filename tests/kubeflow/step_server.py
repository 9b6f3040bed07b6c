"""Container steps started as forks of one interpreter that has already imported the
entry point's libraries: TFX's entry point and TFMA take about 7 CPU seconds to import
(`python -c 'import tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor'`),
more than most steps of the smoke pipeline take to run, and the image's run has some
twenty of them.

The server is the image's interpreter, started as a step is (tests/kubeflow/image.py:
the image's working directory and ENV), run with `-c` so that nothing of the test tree
is on its import path. Before importing anything it puts the working directory first
on `sys.path`, as `python -m` does; it then imports the module the steps run (and, with
it, what that module imports) and waits. For each step it forks: the child takes the
step's environment, writes its output to the step's log, and runs the step's module as
`python -m MODULE ARGS` would (`runpy.run_module(..., run_name='__main__')`, argv[0]
the module's file). The server writes each child's exit status, as Popen's returncode,
to the step's status file.

So a forked step differs from a fresh `python -m` only in what was imported before
the step began: third-party libraries (the package itself is imported by the child,
from the same path). tests/kubeflow/vertex_launcher.py starts the first step of each
server fresh, while the server imports.
"""

import json
import os
import signal
import subprocess
import time
from typing import Dict, List, Optional

SERVER = r'''
import json, os, runpy, signal, sys, traceback
sys.path[0] = os.getcwd()  # as `python -m` makes it
import importlib
importlib.import_module(sys.argv[1])
statuses = {}

def reap(*_):
  while True:
    try:
      pid, status = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
      return
    if not pid:
      return
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    path = statuses.pop(pid)
    with open(path + '.tmp', 'w') as handle:
      handle.write(str(code))
    os.replace(path + '.tmp', path)

signal.signal(signal.SIGCHLD, reap)
print('ready', flush=True)
for line in sys.stdin:
  request = json.loads(line)
  signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
  pid = os.fork()
  if pid == 0:
    code = 1
    try:
      signal.signal(signal.SIGCHLD, signal.SIG_DFL)
      signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
      os.setsid()
      null = os.open(os.devnull, os.O_RDONLY)
      os.dup2(null, 0)
      log = os.open(request['log'], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
      os.dup2(log, 1)
      os.dup2(log, 2)
      os.environ.clear()
      os.environ.update(request['env'])
      sys.argv = [request['module']] + request['args']
      try:
        runpy.run_module(request['module'], run_name='__main__', alter_sys=True)
        code = 0
      except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
      traceback.print_exc()
    finally:
      try:
        sys.stdout.flush()
        sys.stderr.flush()
      finally:
        os._exit(code)
  statuses[pid] = request['status']
  signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
  print(pid, flush=True)
'''


class ForkedStep:
  """A step forked by a server, with the part of Popen's interface the launcher uses."""

  def __init__(self, pid: int, status: str):
    self.pid = pid
    self._status = status
    self.returncode: Optional[int] = None

  def poll(self) -> Optional[int]:
    if self.returncode is None and os.path.exists(self._status):
      with open(self._status, encoding='utf-8') as handle:
        self.returncode = int(handle.read())
    return self.returncode

  def wait(self, timeout: Optional[float] = None) -> int:
    deadline = None if timeout is None else time.monotonic() + timeout
    while self.poll() is None:
      if deadline is not None and time.monotonic() > deadline:
        raise subprocess.TimeoutExpired(f'step {self.pid}', timeout)
      time.sleep(0.1)
    return self.returncode

  def kill(self) -> None:
    try:
      os.killpg(self.pid, signal.SIGKILL)  # the step and whatever it started
    except ProcessLookupError:
      pass


class StepServer:
  """One server: the image's `interpreter`, in `workdir`, with `env`, importing
  `module` from the moment it is made. `start` forks a step of that module (waiting
  for the import to finish, the first time)."""

  def __init__(self, interpreter: str, workdir: str, env: Dict[str, str], module: str,
               log: str):
    """log: where the server's own output goes."""
    self.module = module
    self._log = log
    self._ready = False
    with open(log, 'w', encoding='utf-8') as handle:
      self._process = subprocess.Popen(
          [interpreter, '-c', SERVER, module], cwd=workdir, env=env, text=True,
          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=handle)

  def _wait_ready(self) -> None:
    if self._ready:
      return
    if self._process.stdout.readline().strip() != 'ready':
      self._process.wait(timeout=60)
      with open(self._log, encoding='utf-8') as handle:
        raise RuntimeError(f'the step server for {self.module} did not start: '
                           f'{handle.read()[-3000:]}')
    self._ready = True

  def start(self, args: List[str], env: Dict[str, str], log: str) -> ForkedStep:
    """Forks `python -m MODULE ARGS` with `env`, its output appended to `log`."""
    self._wait_ready()
    status = f'{log}.status'
    if os.path.exists(status):
      os.remove(status)
    self._process.stdin.write(json.dumps({'module': self.module, 'args': args, 'env': env,
                                          'log': log, 'status': status}) + '\n')
    self._process.stdin.flush()
    return ForkedStep(int(self._process.stdout.readline()), status)

  def close(self) -> None:
    self._process.stdin.close()
    self._process.wait(timeout=60)
