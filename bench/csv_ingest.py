"""Reading a Kaggle digit-recognizer `train.csv` of 42,000 rows (785 columns, about
77 MB) with `contracts/sources.load_csv`: wall and CPU seconds, and the peak
memory of the process (after the imports, and at its peak).

    .venv/bin/python bench/csv_ingest.py write /tmp/train.csv
    .venv/bin/python bench/csv_ingest.py load /tmp/train.csv
    .venv/bin/python bench/csv_ingest.py load /tmp/train.csv --sources OLD_sources.py

`write` makes the file from real digits: the bundled 10,000 MNIST digits repeated, in
the Kaggle layout (`label,pixel0..pixel783`, integer pixels 0..255). `--sources` loads
`load_csv` from another copy of sources.py (e.g. the previous version, from
`git show REV:contracts/sources.py`) to compare.
"""

import argparse
import importlib.util
import json
import os
import resource
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.contracts import sources  # pylint: disable=g-import-not-at-top,wrong-import-position


def write(path: str, rows: int) -> None:
  data = sources.load_source('sample')
  repeats = -(-rows // len(data.labels))
  pixels = np.tile(np.round(data.images * 255).astype(np.uint8).reshape(-1, 784),
                   (repeats, 1))[:rows]
  labels = np.tile(data.labels, repeats)[:rows]
  table = np.concatenate([labels[:, None], pixels], axis=1).astype(np.int64)
  with open(path, 'w') as f:
    f.write(','.join(sources.CSV_HEADER) + '\n')
    np.savetxt(f, table, fmt='%d', delimiter=',')
  print(f'{path}: {rows} rows, {os.path.getsize(path) / 1e6:.1f} MB')


def peak_mb() -> float:
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(path: str, sources_file: str) -> None:
  module = sources
  if sources_file:
    spec = importlib.util.spec_from_file_location('other_sources', sources_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
  before = peak_mb()
  wall, cpu = time.perf_counter(), time.process_time()
  data = module.load_csv(path)
  wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
  print(json.dumps({'rows': len(data.labels), 'wall_s': round(wall, 2),
                    'cpu_s': round(cpu, 2), 'peak_mb_after_imports': round(before),
                    'peak_mb': round(peak_mb()), 'sources': sources_file or 'current'}))


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
  sub = parser.add_subparsers(dest='command', required=True)
  write_ = sub.add_parser('write')
  write_.add_argument('path')
  write_.add_argument('--rows', type=int, default=42000)
  load_ = sub.add_parser('load')
  load_.add_argument('path')
  load_.add_argument('--sources', default='', help='another sources.py to compare')
  args = parser.parse_args()
  if args.command == 'write':
    write(args.path, args.rows)
  else:
    load(args.path, args.sources)


if __name__ == '__main__':
  main()
