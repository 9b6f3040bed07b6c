"""Each reader on tiny files the tests write, and every bad-input case."""

import gzip
import pickle

import numpy as np
import pytest

from tfx_distill.contracts import sources
from tfx_distill.contracts.errors import DataError


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
  header = magic.to_bytes(4, 'big') + b''.join(
      d.to_bytes(4, 'big') for d in array.shape)
  return header + array.astype(np.uint8).tobytes()


def write_idx(directory, images, labels, prefix='train', compress=True):
  for kind, array, magic in (('images-idx3-ubyte', images, 2051),
                             ('labels-idx1-ubyte', labels, 2049)):
    data = idx_bytes(array, magic)
    name = f'{prefix}-{kind}' + ('.gz' if compress else '')
    (directory / name).write_bytes(gzip.compress(data) if compress else data)


def write_csv(path, images, labels, header=None):
  header = header or ['label'] + [f'pixel{i}' for i in range(784)]
  lines = [','.join(header)] + [
      ','.join(str(v) for v in [label] + image.reshape(-1).tolist())
      for image, label in zip(images, labels)]
  path.write_text('\n'.join(lines) + '\n')


def test_sample_is_the_bundled_mnist():
  data = sources.load_source('sample')
  assert data.images.shape == (10000, 28, 28)
  assert data.images.dtype == np.float32
  assert 0.0 <= data.images.min() and data.images.max() == 1.0
  assert np.bincount(data.labels).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014,
                                               1070, 944, 978]


@pytest.mark.parametrize('compress', [True, False])
def test_idx_round_trip(tmp_path, digits, compress):
  images, labels = digits
  write_idx(tmp_path, images, labels, compress=compress)
  write_idx(tmp_path, images[:5], labels[:5], prefix='t10k', compress=compress)
  data = sources.load_source(f'idx:{tmp_path}')
  np.testing.assert_allclose(data.images * 255, images)
  np.testing.assert_array_equal(data.labels, labels)
  np.testing.assert_array_equal(data.test_labels, labels[:5])


def test_csv_round_trip(tmp_path, digits):
  images, labels = digits
  write_csv(tmp_path / 'train.csv', images, labels)
  data = sources.load_source(f'csv:{tmp_path / "train.csv"}')
  np.testing.assert_allclose(data.images * 255, images, atol=1e-4)
  np.testing.assert_array_equal(data.labels, labels)


def test_npz_keras_layout_and_xy(tmp_path, digits):
  images, labels = digits
  np.savez(tmp_path / 'mnist.npz', x_train=images, y_train=labels, x_test=images[:4],
           y_test=labels[:4])
  data = sources.load_source(f'npz:{tmp_path / "mnist.npz"}')
  np.testing.assert_allclose(data.images * 255, images)
  assert data.test_images.shape == (4, 28, 28)
  np.savez(tmp_path / 'xy.npz', x=images.astype(np.float32) / 255, y=labels)
  data = sources.load_source(f'npz:{tmp_path / "xy.npz"}')
  np.testing.assert_allclose(data.images * 255, images, atol=1e-4)
  assert data.test_images is None


def test_tfds_with_mock_data(digits):
  tfds = pytest.importorskip('tensorflow_datasets')
  with tfds.testing.mock_data(num_examples=40):
    data = sources.load_source('tfds:mnist')
  assert data.images.shape == (40, 28, 28)
  assert data.labels.shape == (40,)
  assert data.test_images is not None


def expect_error(spec, *fragments):
  with pytest.raises(DataError) as info:
    sources.load_source(spec)
  message = str(info.value)
  assert '\n' not in message
  for fragment in fragments:
    assert fragment in message, message
  return message


def test_missing_and_empty_files(tmp_path):
  expect_error(f'npz:{tmp_path / "nope.npz"}', 'nope.npz', 'not found')
  (tmp_path / 'empty.npz').write_bytes(b'')
  expect_error(f'npz:{tmp_path / "empty.npz"}', 'empty.npz', 'empty')
  (tmp_path / 'empty.csv').write_bytes(b'')
  expect_error(f'csv:{tmp_path / "empty.csv"}', 'empty.csv', 'empty')
  expect_error(f'idx:{tmp_path / "nodir"}', 'nodir', 'not found')
  expect_error(f'idx:{tmp_path}', 'train-images-idx3-ubyte', 'not found')


def test_pickled_npz_is_refused_without_unpickling(tmp_path, digits):
  images, labels = digits
  objects = np.empty(30, dtype=object)
  objects[:] = [{'pixels': i} for i in range(30)]
  np.savez(tmp_path / 'evil.npz', x=objects, y=labels)
  expect_error(f'npz:{tmp_path / "evil.npz"}', 'evil.npz', 'cannot read arrays')
  (tmp_path / 'pickle.npz').write_bytes(pickle.dumps({'x': images}))
  expect_error(f'npz:{tmp_path / "pickle.npz"}', 'pickle.npz', 'not a readable .npz')


def test_corrupt_npz(tmp_path, digits):
  images, labels = digits
  np.savez(tmp_path / 'ok.npz', x=images, y=labels)
  data = (tmp_path / 'ok.npz').read_bytes()
  (tmp_path / 'cut.npz').write_bytes(data[:len(data) // 2])
  expect_error(f'npz:{tmp_path / "cut.npz"}', 'cut.npz')
  np.savez(tmp_path / 'keys.npz', images=images, labels=labels)
  expect_error(f'npz:{tmp_path / "keys.npz"}', 'keys.npz', 'expected keys')


@pytest.mark.parametrize('images_fn,labels_fn,fragment', [
    (lambda x: x[:, :27, :], lambda y: y, 'shape'),
    (lambda x: x.reshape(30, -1)[:, :700], lambda y: y, 'shape'),
    (lambda x: np.where(np.arange(784).reshape(28, 28) == 5, np.nan,
                        x.astype(np.float32)), lambda y: y, 'NaN'),
    (lambda x: x.astype(np.float32) * 2, lambda y: y, 'out of range'),
    (lambda x: x.astype(np.float32) - 1, lambda y: y, 'out of range'),
    (lambda x: x, lambda y: np.where(y == 3, 10, y), 'labels out of range'),
    (lambda x: x, lambda y: np.where(y == 3, -1, y.astype(np.int64)), 'labels out of range'),
    (lambda x: x, lambda y: np.where(y == 3, 4, y), 'no examples of class(es) [3]'),
    (lambda x: x, lambda y: y[:20], 'labels have shape'),
    (lambda x: x, lambda y: y + 0.5, 'whole numbers'),
    (lambda x: x.astype(str), lambda y: y, 'non-numeric'),
])
def test_bad_arrays_in_npz(tmp_path, digits, images_fn, labels_fn, fragment):
  images, labels = digits
  np.savez(tmp_path / 'bad.npz', x=images_fn(images), y=labels_fn(labels))
  expect_error(f'npz:{tmp_path / "bad.npz"}', 'bad.npz', fragment)


def test_truncated_and_wrong_magic_idx(tmp_path, digits):
  images, labels = digits
  write_idx(tmp_path, images, labels, compress=False)
  path = tmp_path / 'train-images-idx3-ubyte'
  data = path.read_bytes()
  path.write_bytes(data[:-100])
  expect_error(f'idx:{tmp_path}', 'train-images-idx3-ubyte', 'truncated')
  path.write_bytes(data[:6])
  expect_error(f'idx:{tmp_path}', 'train-images-idx3-ubyte', 'truncated IDX header')
  path.write_bytes((2049).to_bytes(4, 'big') + data[4:])
  expect_error(f'idx:{tmp_path}', 'train-images-idx3-ubyte', 'magic')
  path.write_bytes(data)
  (tmp_path / 'train-labels-idx1-ubyte').write_bytes(idx_bytes(labels[:10], 2049))
  expect_error(f'idx:{tmp_path}', 'train-labels-idx1-ubyte', '10 labels for 30 images')
  gz = tmp_path / 'gz'
  gz.mkdir()
  write_idx(gz, images, labels)
  blob = (gz / 'train-images-idx3-ubyte.gz').read_bytes()
  (gz / 'train-images-idx3-ubyte.gz').write_bytes(blob[:len(blob) // 2])
  expect_error(f'idx:{gz}', 'train-images-idx3-ubyte.gz', 'gzip')


def test_csv_wrong_columns_and_cells(tmp_path, digits):
  images, labels = digits
  write_csv(tmp_path / 'test.csv', images, labels,
            header=[f'pixel{i}' for i in range(785)])
  expect_error(f'csv:{tmp_path / "test.csv"}', 'test.csv', 'expected header')
  write_csv(tmp_path / 'ok.csv', images, labels)
  lines = (tmp_path / 'ok.csv').read_text().splitlines()
  lines[3] = lines[3].replace(',0,', ',x,', 1) if ',0,' in lines[3] else \
      lines[3][:2] + 'x' + lines[3][3:]
  (tmp_path / 'cells.csv').write_text('\n'.join(lines))
  expect_error(f'csv:{tmp_path / "cells.csv"}', 'cells.csv', 'line 4', 'non-numeric')
  lines = (tmp_path / 'ok.csv').read_text().splitlines()
  lines[2] = lines[2] + ',1'
  (tmp_path / 'wide.csv').write_text('\n'.join(lines))
  expect_error(f'csv:{tmp_path / "wide.csv"}', 'wide.csv', 'line 3 has 786 cells')


def test_a_clean_csv_is_read_without_the_python_line_loop(tmp_path, digits, monkeypatch):
  """The speed of load_csv (bench/csv_ingest.py): pandas reads a clean file, and only a
  bad one is scanned line by line for its message."""
  images, labels = digits
  write_csv(tmp_path / 'train.csv', images, labels)

  def line_loop(*_):
    raise AssertionError('a clean file went through the line-by-line reader')

  monkeypatch.setattr(sources, '_csv_rows', line_loop)
  data = sources.load_source(f'csv:{tmp_path / "train.csv"}')
  np.testing.assert_array_equal(data.labels, labels)


def test_csv_short_lines_empty_cells_and_text_name_the_line(tmp_path, digits):
  images, labels = digits
  write_csv(tmp_path / 'ok.csv', images, labels)
  lines = (tmp_path / 'ok.csv').read_text().splitlines()
  short = lines[:5] + [lines[5].rsplit(',', 1)[0]] + lines[6:]
  (tmp_path / 'short.csv').write_text('\n'.join(short))
  expect_error(f'csv:{tmp_path / "short.csv"}', 'short.csv', 'line 6 has 784 cells, '
               'expected 785')
  empty = lines[:7] + [lines[7].rsplit(',', 1)[0] + ','] + lines[8:]
  (tmp_path / 'empty_cell.csv').write_text('\n'.join(empty))
  expect_error(f'csv:{tmp_path / "empty_cell.csv"}', 'empty_cell.csv', 'line 8',
               "non-numeric cell ''")
  nan = lines[:2] + [lines[2].rsplit(',', 1)[0] + ',nan'] + lines[3:]
  (tmp_path / 'nan.csv').write_text('\n'.join(nan))
  expect_error(f'csv:{tmp_path / "nan.csv"}', 'nan.csv', '1 pixel values are NaN')


def test_csv_float_pixels_blank_lines_and_crlf(tmp_path, digits):
  images, labels = digits
  scaled = images / 255.0
  lines = [','.join(['label'] + [f'pixel{i}' for i in range(784)])] + [
      ','.join([str(label)] + [repr(v) for v in image.reshape(-1).tolist()])
      for image, label in zip(scaled, labels)]
  lines.insert(3, '')
  (tmp_path / 'floats.csv').write_bytes(('\r\n'.join(lines) + '\r\n').encode())
  data = sources.load_source(f'csv:{tmp_path / "floats.csv"}')
  np.testing.assert_array_equal(data.images, scaled.astype(np.float32))
  np.testing.assert_array_equal(data.labels, labels)
  (tmp_path / 'header_only.csv').write_text(lines[0] + '\n\n')
  expect_error(f'csv:{tmp_path / "header_only.csv"}', 'header_only.csv',
               'no data rows after the header')


def test_unknown_scheme():
  expect_error('ftp://x', 'unknown data source')
  expect_error('npz:', 'unknown data source')
