"""One replica of a Vertex CustomJob here: `python -m tests.trainer.vertex_replica ARGS...` runs
TFX's `tfx.scripts.run_executor ARGS...`, the container command TFX gives every replica.

With EXPORT_AFTER=FILE in the environment, this replica's model export (the first thing
it does after training that touches the artifacts) waits until FILE exists: the test
creates FILE once every other replica has exited, which makes this replica (the chief)
finish after its workers, deterministically, whatever the machine's load. The export
itself is the real one.
"""

import os
import sys
import time

from absl import app
from tfx.scripts import run_executor

from tfx_distill.trainer import export

WAIT_SECONDS = 300


def export_after(path, export_fn):
  def delayed(*args, **kwargs):
    deadline = time.monotonic() + WAIT_SECONDS
    while not os.path.exists(path) and time.monotonic() < deadline:
      time.sleep(0.2)
    return export_fn(*args, **kwargs)
  return delayed


if __name__ == '__main__':
  if os.environ.get('EXPORT_AFTER'):
    export.export_serving_model = export_after(os.environ['EXPORT_AFTER'],
                                               export.export_serving_model)
  app.run(run_executor.main, argv=[sys.argv[0]] + sys.argv[1:],
          flags_parser=run_executor.parse_flags)
