"""Ingest throughput: the Ingest component's executor against a bare TFRecordWriter loop.

Both turn the 70,000-image Fashion-MNIST IDX set (Debian's dataset-fashion-mnist, train
60,000 + t10k 10,000) into GZIP TFRecords of the same tf.Example format
(contracts/example_format.py): `image` 784 floats, `label`, `label_vector` 10 floats.

- component: `components.ingest.executor.Executor().Do(...)` with `idx:DIR` and
  `eval_source='test'` (reads and validates the IDX files, splits, writes 2 files);
- bare: reads the same IDX files with gzip + numpy, builds each tf.Example inline and
  writes it with one `tf.io.TFRecordWriter` per split, no validation.

Each is run `--repeats` times, alternating; the best wall time of each counts (the
machine is shared). Target: component speed >= 0.8x the bare loop's.

    .venv/bin/python bench/ingest_throughput.py --tag main
"""

import argparse
import gzip
import json
import os
import platform
import shutil
import tempfile
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position
import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx.types import standard_artifacts  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.contracts.example_format import NUM_CLASSES  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.components.ingest.executor import Executor  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.components.ingest.settings import IngestSettings  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.contracts.parameters import to_parameters  # pylint: disable=g-import-not-at-top,wrong-import-position

DATA_DIR = '/usr/share/datasets/fashion-mnist'
PARTS = {'train': 'train', 'eval': 't10k'}
TARGET = 0.8
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')


def run_component(data_dir: str, out: str) -> int:
  """The Ingest executor into an Examples artifact under `out`; returns records written."""
  examples = standard_artifacts.Examples()
  examples.uri = out
  Executor().Do({}, {'examples': [examples]},
                to_parameters(IngestSettings(data=f'idx:{data_dir}', eval_source='test')))
  return sum(examples.get_int_custom_property(f'num_{name}') for name in PARTS)


def read_idx(path: str, header: int) -> np.ndarray:
  with gzip.open(path, 'rb') as f:
    return np.frombuffer(f.read(), np.uint8, offset=header)


def run_bare(data_dir: str, out: str) -> int:
  """The plainest loop that writes the same records; returns records written."""
  options = tf.io.TFRecordOptions(compression_type='GZIP')
  count = 0
  for split, prefix in PARTS.items():
    images = read_idx(os.path.join(data_dir, f'{prefix}-images-idx3-ubyte.gz'), 16)
    images = images.reshape(-1, 784).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(data_dir, f'{prefix}-labels-idx1-ubyte.gz'), 8)
    vectors = np.eye(NUM_CLASSES, dtype=np.float32)[labels] - 1.0 / NUM_CLASSES
    os.makedirs(os.path.join(out, f'Split-{split}'))
    path = os.path.join(out, f'Split-{split}', 'data.gz')
    with tf.io.TFRecordWriter(path, options) as writer:
      for image, label, vector in zip(images, labels, vectors):
        example = tf.train.Example(features=tf.train.Features(feature={
            'image': tf.train.Feature(float_list=tf.train.FloatList(value=image)),
            'label': tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
            'label_vector': tf.train.Feature(float_list=tf.train.FloatList(value=vector)),
        }))
        writer.write(example.SerializeToString())
        count += 1
  return count


def timed(fn, data_dir: str) -> tuple:
  out = tempfile.mkdtemp(prefix='ingest_bench_')
  try:
    start = time.perf_counter()
    count = fn(data_dir, out)
    seconds = time.perf_counter() - start
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out)
               for f in files)
  finally:
    shutil.rmtree(out)
  return seconds, count, size


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--data-dir', default=DATA_DIR)
  parser.add_argument('--repeats', type=int, default=2)
  parser.add_argument('--tag', default='local')
  args = parser.parse_args()
  runs = {'component': [], 'bare': []}
  for _ in range(args.repeats):
    for name, fn in (('component', run_component), ('bare', run_bare)):
      seconds, count, size = timed(fn, args.data_dir)
      runs[name].append({'seconds': seconds, 'records': count, 'bytes': size})
      print(f'{name}: {count} records, {size / 1e6:.1f} MB in {seconds:.1f} s '
            f'({count / seconds:,.0f} records/s)', flush=True)
  best = {name: min(r['seconds'] for r in rs) for name, rs in runs.items()}
  records = runs['bare'][0]['records']
  assert all(r['records'] == records for rs in runs.values() for r in rs), runs
  ratio = best['bare'] / best['component']
  verdict = 'meets' if ratio >= TARGET else 'misses'
  print(f'best: component {best["component"]:.1f} s, bare {best["bare"]:.1f} s; '
        f'component speed = {ratio:.2f}x bare ({verdict} the {TARGET}x target)')
  os.makedirs(RESULTS, exist_ok=True)
  result = {'records': records, 'runs': runs, 'best_seconds': best,
            'speed_ratio': ratio, 'target': TARGET, 'load_before': os.getloadavg(),
            'machine': f'{os.cpu_count()} cores, {platform.platform()}',
            'command': f'.venv/bin/python bench/ingest_throughput.py --repeats '
                       f'{args.repeats} --tag {args.tag}'}
  with open(os.path.join(RESULTS, f'ingest_throughput_{args.tag}.json'), 'w') as f:
    json.dump(result, f, indent=1)


if __name__ == '__main__':
  main()
