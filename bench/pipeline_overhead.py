"""Pipeline overhead: `tfx-distill run --preset demo` against the same experiment in
plain Keras (bench/plain_experiment.py), on the same data, one after the other.

Each side runs in its own fresh process and is timed from outside (imports included,
as a user waits for it). The pipeline gets a fresh root (no cache). Prints the ratio
(target <= 1.5x), the ratio without distillation (both sides spend the same KIP time
budgets) and the per-component times of the run from ML Metadata.

    .venv/bin/python bench/pipeline_overhead.py --preset demo --tag main
"""

import argparse
import collections
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # the tests' reader of run histories (tests/run_history.py)

from tests.run_history import runs  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.pipeline.local_runner import local_paths  # pylint: disable=g-import-not-at-top,wrong-import-position

TARGET = 1.5
RESULTS = os.path.join(REPO, 'bench', 'results')


def timed_process(command) -> float:
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
  start = time.perf_counter()
  result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
  seconds = time.perf_counter() - start
  if result.returncode != 0:
    raise RuntimeError(f'{command} failed:\n{result.stderr[-3000:]}')
  return seconds


def component_kind(node_id: str) -> str:
  """Trainer_full_s0 -> Trainer; LatestBlessedFullModel stays as it is."""
  return node_id.split('_', 1)[0]


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--preset', default='demo')
  parser.add_argument('--tag', default='local')
  parser.add_argument('--keep', help='keep the pipeline root and plain models here')
  args = parser.parse_args()
  work = args.keep or tempfile.mkdtemp(prefix='overhead_')
  root = os.path.join(work, 'pipeline')
  shutil.rmtree(root, ignore_errors=True)
  load_before = os.getloadavg()
  pipeline_s = timed_process([sys.executable, '-m', 'tfx_distill.pipeline.cli', 'run', '--preset',
                              args.preset, '--pipeline-root', root])
  summary_path = os.path.join(work, 'plain.json')
  plain_s = timed_process([sys.executable, 'bench/plain_experiment.py', '--preset',
                           args.preset, '--out', os.path.join(work, 'plain'),
                           '--summary', summary_path])
  with open(summary_path) as f:
    plain = json.load(f)
  (run,) = runs(local_paths(root).metadata_path)
  components = {node: execution.seconds for node, execution in sorted(
      run.items(), key=lambda item: -item[1].seconds)}
  by_kind = collections.Counter()
  for node, seconds in components.items():
    by_kind[component_kind(node)] += seconds
  pipeline_distill = sum(s for n, s in components.items() if n.startswith('Distiller_'))
  plain_distill = sum(plain['distill_seconds'].values())
  ratio = pipeline_s / plain_s
  ratio_without = (pipeline_s - pipeline_distill) / (plain_s - plain_distill)
  verdict = 'meets' if ratio <= TARGET else 'misses'
  print(f'pipeline {pipeline_s:.0f} s, plain Keras {plain_s:.0f} s: ratio {ratio:.2f}x '
        f'({verdict} the {TARGET}x target)')
  print(f'without distillation (pipeline {pipeline_distill:.0f} s, plain '
        f'{plain_distill:.0f} s of it): {ratio_without:.2f}x')
  for node, seconds in components.items():
    print(f'  {node:28s} {seconds:7.1f} s  {run[node].state}')
  result = {
      'preset': args.preset, 'pipeline_seconds': pipeline_s, 'plain_seconds': plain_s,
      'ratio': ratio, 'target': TARGET, 'ratio_without_distillation': ratio_without,
      'pipeline_distill_seconds': pipeline_distill, 'plain_distill_seconds': plain_distill,
      'component_seconds': components, 'component_kind_seconds': dict(by_kind),
      'sum_of_component_seconds': sum(components.values()),
      'plain_models': plain['models'], 'load_before': load_before,
      'load_after': os.getloadavg(),
      'machine': f'{os.cpu_count()} cores, {platform.platform()}',
      'command': f'.venv/bin/python bench/pipeline_overhead.py --preset {args.preset} '
                 f'--tag {args.tag}'}
  os.makedirs(RESULTS, exist_ok=True)
  with open(os.path.join(RESULTS, f'pipeline_overhead_{args.tag}.json'), 'w') as f:
    json.dump(result, f, indent=1)
  if not args.keep:
    shutil.rmtree(work)


if __name__ == '__main__':
  main()
