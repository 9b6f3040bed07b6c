"""What a local run's process imports before it runs a node: not Vertex AI's SDK (about
3 s of every `tfx-distill run`'s start, which `from tfx import v1` would bring in
through tfx.v1.extensions), nor the Kubeflow compile."""

import json
import subprocess
import sys

SCRIPT = '''
import json, sys
from tfx_distill.pipeline.cli import commands
from tfx_distill.pipeline import local_runner
from tfx_distill.pipeline.config import preset
from tfx_distill.pipeline.pipeline import create_pipeline
create_pipeline(preset('demo'), local_runner.local_paths('/tmp/unused'))
print(json.dumps(sorted(m for m in sys.modules if m.startswith(
    ('google.cloud.aiplatform', 'tfx.v1', 'kfp', 'tfx_distill.kubeflow')))))
'''


def test_a_local_run_imports_no_vertex_sdk_nor_the_kubeflow_compile():
  result = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True,
                          timeout=300)
  assert result.returncode == 0, result.stderr[-3000:]
  assert json.loads(result.stdout.strip().splitlines()[-1]) == []
