"""A step forked by tests/kubeflow/step_server.py sees what `python -m MODULE ARGS`
started fresh sees: the import path (the working directory first), argv, its own
environment, and its exit status comes back as Popen's would."""

import os
import signal
import subprocess
import sys
import time

from tests.kubeflow.step_server import StepServer

PROBE = '''import json, os, sys
if __name__ == '__main__':
  print(json.dumps({'path0': sys.path[0], 'argv': sys.argv, 'x': os.environ.get('X'),
                    'name': __name__}))
  sys.stdout.flush()
  if sys.argv[1] == 'sleep':
    import time; time.sleep(60)
  sys.exit(int(sys.argv[1]) if sys.argv[1].isdigit() else 0)
'''


def test_a_forked_step_sees_what_a_fresh_one_sees(tmp_path):
  work = tmp_path / 'work'
  work.mkdir()
  (work / 'probe.py').write_text(PROBE)
  env = dict(os.environ, X='server')
  fresh = subprocess.run([sys.executable, '-m', 'probe', '3'], cwd=work, text=True,
                         capture_output=True, env=dict(env, X='step'))
  server = StepServer(sys.executable, str(work), env, 'probe', str(tmp_path / 'server.log'))
  try:
    log = str(tmp_path / 'step.log')
    step = server.start(['3'], dict(env, X='step'), log)
    assert step.wait(timeout=60) == fresh.returncode == 3
    with open(log, encoding='utf-8') as handle:
      assert handle.read() == fresh.stdout
    assert '"x": "step"' in fresh.stdout and f'"path0": "{work}"' in fresh.stdout
    sleeper = server.start(['sleep'], env, str(tmp_path / 'sleep.log'))
    time.sleep(1)
    assert sleeper.poll() is None
    sleeper.kill()
    assert sleeper.wait(timeout=30) == -signal.SIGKILL
    assert server.start(['0'], env, str(tmp_path / 'ok.log')).wait(timeout=60) == 0
  finally:
    server.close()
