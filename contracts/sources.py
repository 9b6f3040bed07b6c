"""Every digit source a user has, in one table (`SOURCES`): how each is named
(`sample`, `tfds:NAME`, `idx:DIR`, `csv:PATH`, `npz:PATH`), its help text, its reader
(validated numpy arrays) and its fingerprint (the files it reads, for the cache:
pipeline/cache_keys.py). A new source is one reader and one table entry.

Every file read goes through `tf.io.gfile`, so `gs://` paths work. Any problem raises
`DataError` whose message names the file and the problem on one line.
"""

import csv
import gzip
import io
import os
import zipfile
from typing import Callable, Dict, List, NamedTuple, Optional

import numpy as np
import tensorflow as tf

from tfx_distill.contracts import package_data
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.files import (digest, exists, file_entries, first_line,
                                          read_bytes, tree_entries)
from tfx_distill.contracts.example_format import IMAGE_SHAPE, NUM_CLASSES, NUM_PIXELS

# The bundled digits, where the package is installed (package data).
SAMPLE_PATH = package_data.path('tfx_distill.contracts', 'data', 'mnist10k.npz')
IDX_IMAGE_MAGIC = 2051
IDX_LABEL_MAGIC = 2049
CSV_HEADER = ['label'] + [f'pixel{i}' for i in range(NUM_PIXELS)]


class SourceData(NamedTuple):
  """A source's images (N, 28, 28) float32 in [0, 1] and labels (N,) int64, with its
  own test part when it has one."""
  images: np.ndarray
  labels: np.ndarray
  test_images: Optional[np.ndarray] = None
  test_labels: Optional[np.ndarray] = None


class TfdsOptions(NamedTuple):
  """Where tfds keeps prepared datasets, and whether it may download one."""
  data_dir: str = ''
  manual_dir: str = ''
  download: bool = True


class Source(NamedTuple):
  """One kind of source, named `scheme` or `scheme:ARG`."""
  scheme: str
  arg: str  # what follows the colon ('' = nothing): NAME, DIR or PATH
  help: str  # what it reads, for --help and the README
  load: Callable[[str, TfdsOptions], SourceData]  # (arg, tfds options) -> the digits
  files: Callable[[str, TfdsOptions], List[str]]  # fingerprint entries of what it reads

  @property
  def usage(self) -> str:
    return f'{self.scheme}:{self.arg}' if self.arg else self.scheme


def parse(spec: str) -> tuple:
  """(Source, argument) of a source string; DataError for an unknown or malformed one."""
  scheme, _, arg = spec.partition(':')
  source = SOURCES.get(scheme)
  if source is None or bool(arg) != bool(source.arg):
    raise DataError(spec, f'unknown data source (use {usage(", ", " or ")})')
  return source, arg


def usage(separator: str = ' | ', last: Optional[str] = None) -> str:
  """'sample | tfds:NAME | idx:DIR | csv:PATH | npz:PATH' (or with other separators)."""
  names = [source.usage for source in SOURCES.values()]
  if last is None:
    return separator.join(names)
  return separator.join(names[:-1]) + last + names[-1]


def load_source(spec: str, tfds_data_dir: str = '', tfds_manual_dir: str = '',
                tfds_download: bool = True) -> SourceData:
  """Reads and validates the digits named by `spec`."""
  source, arg = parse(spec)
  return source.load(arg, TfdsOptions(tfds_data_dir, tfds_manual_dir, tfds_download))


def fingerprint(spec: str, tfds: TfdsOptions = TfdsOptions()) -> str:
  """A digest of the path, size and modification time of every file `spec` reads
  (DataError when one is missing or unreadable)."""
  source, arg = parse(spec)
  return digest(source.files(arg, tfds))


def validate(where: str, images: np.ndarray, labels: np.ndarray,
             require_all_classes: bool = True) -> tuple:
  """Checks shapes, pixel range and labels; returns (images [0,1] float32, labels int64).

  Integer images must lie in 0..255; float images in [0, 1] are taken as they are and
  float images in [0, 255] are scaled."""
  images = np.asarray(images)
  labels = np.asarray(labels)
  if images.dtype.kind not in 'uif':
    raise DataError(where, f'images have non-numeric dtype {images.dtype}')
  if images.ndim == 4 and images.shape[-1] == 1:
    images = images[..., 0]
  if images.ndim == 2 and images.shape[1] == NUM_PIXELS:
    images = images.reshape((-1,) + IMAGE_SHAPE)
  if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
    raise DataError(where, f'images have shape {images.shape}, expected (N, 28, 28)')
  if images.shape[0] == 0:
    raise DataError(where, 'no images')
  if labels.shape != (images.shape[0],):
    raise DataError(where, f'labels have shape {labels.shape}, expected '
                    f'({images.shape[0]},) to match the images')
  if images.dtype.kind == 'f':
    if not np.all(np.isfinite(images)):
      raise DataError(where, f'{int(np.sum(~np.isfinite(images)))} pixel values are '
                      'NaN or infinite')
  lo, hi = float(images.min()), float(images.max())
  if lo < 0 or hi > 255:
    raise DataError(where, f'pixel values out of range [{lo:g}, {hi:g}], expected 0..255 '
                    'or [0, 1]')
  scale = 1.0 if (images.dtype.kind == 'f' and hi <= 1.0) else 255.0
  if labels.dtype.kind not in 'uif' or (
      labels.dtype.kind == 'f' and not np.all(np.isfinite(labels))):
    raise DataError(where, f'labels are not finite numbers (dtype {labels.dtype})')
  if labels.dtype.kind == 'f' and np.any(labels != np.round(labels)):
    raise DataError(where, 'labels are not whole numbers')
  if labels.min() < 0 or labels.max() >= NUM_CLASSES:
    raise DataError(where, f'labels out of range [{labels.min():g}, {labels.max():g}], '
                    f'expected 0..{NUM_CLASSES - 1}')
  labels = labels.astype(np.int64)
  if require_all_classes:
    missing = sorted(set(range(NUM_CLASSES)) - set(np.unique(labels).tolist()))
    if missing:
      raise DataError(where, f'no examples of class(es) {missing}')
  return (images.astype(np.float32) / scale), labels


def load_npz(path: str) -> SourceData:
  """Keras `mnist.npz` layout (x_train, y_train, x_test, y_test) or (x, y)."""
  data = read_bytes(path)
  try:
    archive = np.load(io.BytesIO(data), allow_pickle=False)
  except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
    raise DataError(path, f'not a readable .npz file ({e})') from None
  if not isinstance(archive, np.lib.npyio.NpzFile):
    raise DataError(path, 'not an .npz archive (a single .npy array?)')
  with archive:
    keys = set(archive.files)
    try:
      if {'x_train', 'y_train'} <= keys:
        train = validate(path, archive['x_train'], archive['y_train'])
        test = (validate(path + '[test]', archive['x_test'], archive['y_test'],
                         require_all_classes=False)
                if {'x_test', 'y_test'} <= keys else (None, None))
        return SourceData(*train, *test)
      if {'x', 'y'} <= keys:
        return SourceData(*validate(path, archive['x'], archive['y']))
    except ValueError as e:
      if isinstance(e, DataError):
        raise
      # numpy refuses object arrays when allow_pickle is False.
      raise DataError(path, f'cannot read arrays ({e})') from None
    except (OSError, zipfile.BadZipFile, EOFError) as e:
      raise DataError(path, f'corrupt .npz member ({e})') from None
  raise DataError(path, f'expected keys x_train, y_train[, x_test, y_test] or x, y; '
                  f'found {sorted(keys)}')


def parse_idx(path: str, data: bytes, expected_magic: int) -> np.ndarray:
  """Parses one IDX file (ubyte data); checks magic, dimensions and length."""
  if data[:2] == b'\x1f\x8b':
    try:
      data = gzip.decompress(data)
    except (OSError, EOFError) as e:
      raise DataError(path, f'corrupt gzip data ({e})') from None
  if len(data) < 8:
    raise DataError(path, f'truncated IDX header ({len(data)} bytes)')
  magic = int.from_bytes(data[:4], 'big')
  if magic != expected_magic:
    raise DataError(path, f'wrong IDX magic number {magic}, expected {expected_magic}')
  ndim = data[3]
  header = 4 + 4 * ndim
  if len(data) < header:
    raise DataError(path, f'truncated IDX header ({len(data)} bytes)')
  dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
  expected = int(np.prod(dims)) + header
  if len(data) != expected:
    raise DataError(path, f'IDX file has {len(data)} bytes, its header {dims} says '
                    f'{expected} (truncated or corrupt)')
  return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def find_idx_file(directory: str, stem: str) -> Optional[str]:
  """The path of `stem` or `stem.gz` in directory (also the `stem` with '.' for '-'
  that some mirrors use), or None."""
  for name in (stem, stem + '.gz', stem.replace('-idx', '.idx'),
               stem.replace('-idx', '.idx') + '.gz'):
    path = os.path.join(directory, name)
    if exists(path):
      return path
  return None


def load_idx_pair(directory: str, prefix: str) -> Optional[tuple]:
  images_path = find_idx_file(directory, f'{prefix}-images-idx3-ubyte')
  labels_path = find_idx_file(directory, f'{prefix}-labels-idx1-ubyte')
  if images_path is None and labels_path is None:
    return None
  if images_path is None or labels_path is None:
    missing = f'{prefix}-images-idx3-ubyte' if images_path is None else \
        f'{prefix}-labels-idx1-ubyte'
    raise DataError(os.path.join(directory, missing), 'file not found (.gz or not)')
  images = parse_idx(images_path, read_bytes(images_path), IDX_IMAGE_MAGIC)
  labels = parse_idx(labels_path, read_bytes(labels_path), IDX_LABEL_MAGIC)
  if images.shape[0] != labels.shape[0]:
    raise DataError(labels_path, f'{labels.shape[0]} labels for {images.shape[0]} images '
                    f'in {images_path}')
  return images, labels, images_path


def load_idx_dir(directory: str) -> SourceData:
  """The original MNIST / Fashion-MNIST IDX files (gzipped or not) in a directory."""
  if not tf.io.gfile.isdir(directory):
    raise DataError(directory, 'directory not found')
  train = load_idx_pair(directory, 'train')
  if train is None:
    raise DataError(os.path.join(directory, 'train-images-idx3-ubyte[.gz]'),
                    'file not found')
  images, labels, where = train
  result = validate(where, images, labels)
  test = load_idx_pair(directory, 't10k')
  if test is not None:
    return SourceData(*result, *validate(test[2], test[0], test[1],
                                         require_all_classes=False))
  return SourceData(*result)


def load_csv(path: str) -> SourceData:
  """The Kaggle digit-recognizer `train.csv`: header `label,pixel0..pixel783`.

  Read by pandas' C parser; a file it cannot read cleanly (a wrong cell count, a
  non-numeric or empty cell) is then scanned line by line for the first bad line, so
  that the message names it."""
  data = read_bytes(path)
  newline = data.find(b'\n')
  header_line = data if newline < 0 else data[:newline]
  header = next(csv.reader([header_line.decode('utf-8', errors='replace')]), None)
  if header is None or [h.strip() for h in header] != CSV_HEADER:
    got = 'nothing' if header is None else f'{len(header)} columns starting {header[:3]}'
    raise DataError(path, f'expected header label,pixel0..pixel783; got {got}')
  body = b'' if newline < 0 else data[newline + 1:]
  del data
  table = _read_table(body)
  if table is None or np.isnan(table).any():
    _raise_first_bad_line(path, body)  # the same messages as a line-by-line reader
    if table is None:  # pandas refused what Python's float() reads (e.g. '1_0')
      table = _table_by_lines(body)
  if not len(table):
    raise DataError(path, 'no data rows after the header')
  return SourceData(*validate(path, table[:, 1:], table[:, 0]))


def _read_table(body: bytes) -> Optional[np.ndarray]:
  """The rows as float64 (N, 785) by pandas (integer columns parsed as integers, so
  exactly), or None when pandas cannot read them as numbers (extra cells, text); missing
  cells come back as NaN."""
  import pandas as pd  # pylint: disable=g-import-not-at-top
  if not body.strip():
    return np.zeros((0, len(CSV_HEADER)))
  try:
    frame = pd.read_csv(io.BytesIO(body), header=None, engine='c', skip_blank_lines=True)
  except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
    return None
  if frame.shape[1] != len(CSV_HEADER) or any(
      dtype.kind not in 'iuf' for dtype in frame.dtypes):
    return None  # a column with text in it
  return frame.to_numpy(dtype=np.float64)  # as Python's float() reads them


def _csv_rows(body: bytes):
  """(line number, cells) of every non-empty row after the header."""
  reader = csv.reader(io.StringIO(body.decode('utf-8', errors='replace')))
  for line_number, row in enumerate(reader, start=2):
    if row:
      yield line_number, row


def _raise_first_bad_line(path: str, body: bytes) -> None:
  """DataError naming the first line with a wrong cell count or a non-numeric cell."""
  for line_number, row in _csv_rows(body):
    if len(row) != len(CSV_HEADER):
      raise DataError(path, f'line {line_number} has {len(row)} cells, expected '
                      f'{len(CSV_HEADER)}')
    bad = next((c for c in row if not _is_number(c)), None)
    if bad is not None:
      raise DataError(path, f'line {line_number} has a non-numeric cell {bad!r}')


def _table_by_lines(body: bytes) -> np.ndarray:
  """The rows read with Python's float(), for what pandas does not parse."""
  rows = [[float(cell) for cell in row] for _, row in _csv_rows(body)]
  return np.asarray(rows, dtype=np.float64).reshape(-1, len(CSV_HEADER))


def _is_number(cell: str) -> bool:
  try:
    float(cell)
    return True
  except ValueError:
    return False


def tfds_builder(name: str, data_dir: str = ''):
  """The tfds builder of `name` (e.g. 'mnist', 'mnist:3.*.*') for `data_dir` (default
  TFDS_DATA_DIR, then tfds' own); DataError for a name tfds does not know."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  try:
    return tfds.builder(name, data_dir=data_dir or os.environ.get('TFDS_DATA_DIR') or None)
  except Exception as e:  # pylint: disable=broad-except  # tfds raises several types.
    raise DataError(f'tfds:{name}', first_line(e)) from None


# What a failed tfds download raises: requests' errors are OSErrors; tfds asserts that
# a manual download directory has the files.
DOWNLOAD_ERRORS = (OSError, AssertionError, tf.errors.OpError)


def load_tfds(name: str, data_dir: str = '', manual_dir: str = '',
              download: bool = True) -> SourceData:
  """`tfds.load(name)`: its train split, and its test split when it has one.

  Honours TFDS_DATA_DIR (or `data_dir`) and a manual download directory. A dataset not
  yet prepared there is downloaded, unless `download` is off; a failed download (e.g.
  offline) is a DataError."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder = tfds_builder(name, data_dir)
  where = f'tfds:{name}'
  if not builder.is_prepared():
    if not download:
      raise DataError(where, f'not prepared in {builder.data_dir} and downloads are off '
                      '(--no-tfds-download)')
    try:
      builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
          manual_dir=manual_dir or None))
    except DOWNLOAD_ERRORS as e:
      raise DataError(where, f'not prepared in {builder.data_dir} and the download '
                      f'failed: {first_line(e)}') from None
  parts = {}
  for split in ('train', 'test'):
    if builder.info.splits and split not in builder.info.splits:
      continue
    batches = list(tfds.as_numpy(
        builder.as_dataset(split=split, as_supervised=True).batch(10000)))
    images = np.concatenate([b[0] for b in batches]) if batches else np.zeros((0, 28, 28))
    labels = np.concatenate([b[1] for b in batches]) if batches else np.zeros((0,))
    parts[split] = validate(f'{where}[{split}]', images, labels,
                            require_all_classes=(split == 'train'))
  if 'train' not in parts:
    raise DataError(where, f'has no train split ({list(builder.info.splits)})')
  return SourceData(*parts['train'], *parts.get('test', (None, None)))


def tfds_files(name: str, tfds: TfdsOptions) -> List[str]:
  """The prepared dataset's files; before its first download a marker only (so the run
  after the download ingests again), or DataError when downloads are off."""
  builder = tfds_builder(name, tfds.data_dir)
  if builder.is_prepared():
    return tree_entries(str(builder.data_dir), recursive=True)
  if not tfds.download:
    raise DataError(f'tfds:{name}', f'not prepared in {builder.data_dir} and downloads '
                    'are off (--no-tfds-download)')
  return [f'tfds:{name} not prepared in {builder.data_dir}']


SOURCES: Dict[str, Source] = {source.scheme: source for source in (
    Source('sample', '', 'the bundled 10,000 real MNIST digits',
           lambda _, tfds: load_npz(SAMPLE_PATH), lambda _, tfds: file_entries(SAMPLE_PATH)),
    Source('tfds', 'NAME', 'tfds.load(NAME), e.g. tfds:mnist',
           lambda name, tfds: load_tfds(name, *tfds), tfds_files),
    Source('idx', 'DIR', 'MNIST / Fashion-MNIST IDX files in DIR, gzipped or not',
           lambda path, tfds: load_idx_dir(path),
           lambda path, tfds: tree_entries(path, recursive=False)),
    Source('csv', 'PATH', "Kaggle digit-recognizer train.csv (label,pixel0..pixel783)",
           lambda path, tfds: load_csv(path), lambda path, tfds: file_entries(path)),
    Source('npz', 'PATH', 'Keras mnist.npz (x_train, y_train, x_test, y_test) or x, y',
           lambda path, tfds: load_npz(path), lambda path, tfds: file_entries(path)),
)}
