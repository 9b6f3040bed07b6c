"""Beam DirectRunner modes on this machine: StatisticsGen's executor (a Beam pipeline
over every record) on Examples written by the Ingest component, once per mode.

Modes: in_memory with 1 worker (pipeline/beam.py's default), multi_threading and
multi_processing with `--workers` workers, all on the DirectRunner (which first tries
Prism), and in_memory on the FnApiRunner directly. Each mode runs `--repeats` times,
modes alternating; the best wall time counts (the machine is shared).

    .venv/bin/python bench/beam_direct_modes.py --data idx:/usr/share/datasets/fashion-mnist --tag main
"""

import argparse
import json
import os
import platform
import shutil
import tempfile
import time

os.environ.setdefault('TF_USE_LEGACY_KERAS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from tfx.components.statistics_gen import executor as stats_executor  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx.dsl.components.base import base_beam_executor  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx.types import standard_artifacts  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.components.ingest.executor import Executor as IngestExecutor  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.components.ingest.settings import IngestSettings  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.contracts.parameters import to_parameters  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.pipeline.beam import DirectBeam  # pylint: disable=g-import-not-at-top,wrong-import-position

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')


def ingest(data: str, uri: str):
  examples = standard_artifacts.Examples()
  examples.uri = uri
  IngestExecutor().Do({}, {'examples': [examples]},
                      to_parameters(IngestSettings(data=data)))
  return examples


def statistics_seconds(examples, beam: DirectBeam, work: str) -> float:
  statistics = standard_artifacts.ExampleStatistics()
  statistics.uri = tempfile.mkdtemp(dir=work)
  context = base_beam_executor.BaseBeamExecutor.Context(
      beam_pipeline_args=list(beam.beam_args()), tmp_dir=tempfile.mkdtemp(dir=work))
  start = time.perf_counter()
  stats_executor.Executor(context).Do({'examples': [examples]},
                                      {'statistics': [statistics]}, {})
  return time.perf_counter() - start


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--data', default='sample')
  parser.add_argument('--workers', type=int, default=2)
  parser.add_argument('--repeats', type=int, default=2)
  parser.add_argument('--tag', default='local')
  args = parser.parse_args()
  modes = {'in_memory x1': DirectBeam('in_memory', 1),
           f'multi_threading x{args.workers}': DirectBeam('multi_threading', args.workers),
           f'multi_processing x{args.workers}': DirectBeam('multi_processing', args.workers),
           'in_memory x1, FnApiRunner': DirectBeam('in_memory', 1, 'FnApiRunner')}
  work = tempfile.mkdtemp(prefix='beam_modes_')
  try:
    examples = ingest(args.data, os.path.join(work, 'examples'))
    records = sum(examples.get_int_custom_property(f'num_{s}') for s in ('train', 'eval'))
    seconds = {name: [] for name in modes}
    for _ in range(args.repeats):
      for name, beam in modes.items():
        seconds[name].append(statistics_seconds(examples, beam, work))
        print(f'{name}: {seconds[name][-1]:.1f} s', flush=True)
  finally:
    shutil.rmtree(work)
  best = {name: min(values) for name, values in seconds.items()}
  for name, value in best.items():
    print(f'best {name}: {value:.1f} s ({records / value:,.0f} records/s)')
  os.makedirs(RESULTS, exist_ok=True)
  with open(os.path.join(RESULTS, f'beam_direct_modes_{args.tag}.json'), 'w') as f:
    json.dump({'records': records, 'data': args.data, 'seconds': seconds, 'best': best,
               'load_after': os.getloadavg(),
               'machine': f'{os.cpu_count()} cores, {platform.platform()}',
               'command': f'.venv/bin/python bench/beam_direct_modes.py --data {args.data} '
                          f'--workers {args.workers} --repeats {args.repeats} '
                          f'--tag {args.tag}'}, f, indent=1)


if __name__ == '__main__':
  main()
