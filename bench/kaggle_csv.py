"""Writes a Kaggle digit-recognizer `train.csv` (`label,pixel0..pixel783`, 8-bit pixels)
of real digits, for measuring the pipeline on the seed notebook's data without
Kaggle: each row is one of the 10,000 bundled MNIST digits, shifted by up to 2 pixels
(seeded), so that 42,000 rows are not copies of each other.

    .venv/bin/python bench/kaggle_csv.py --rows 42000 --out /tmp/kaggle/train.csv
"""

import argparse

import numpy as np

from tfx_distill.contracts.sources import load_source

MAX_SHIFT = 2


def shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
  """image moved by (dy, dx), the uncovered border black."""
  padded = np.pad(image, MAX_SHIFT)
  return padded[MAX_SHIFT - dy:MAX_SHIFT - dy + 28, MAX_SHIFT - dx:MAX_SHIFT - dx + 28]


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--rows', type=int, default=42_000)
  parser.add_argument('--out', required=True)
  parser.add_argument('--seed', type=int, default=0)
  args = parser.parse_args()
  digits = load_source('sample')
  pixels = np.round(digits.images * 255).astype(np.uint8)
  rng = np.random.default_rng(args.seed)
  picks = rng.integers(0, len(pixels), args.rows)
  shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, (args.rows, 2))
  with open(args.out, 'w', encoding='ascii') as handle:
    handle.write('label,' + ','.join(f'pixel{i}' for i in range(784)) + '\n')
    for index, (dy, dx) in zip(picks, shifts):
      row = shifted(pixels[index], dy, dx).reshape(-1)
      handle.write(f'{digits.labels[index]},' + ','.join(map(str, row)) + '\n')


if __name__ == '__main__':
  main()
