"""The KIP .npz format: deterministic bytes, and every defect of a file to load
refused with a DataError naming the file."""

import io
import zipfile

import numpy as np
import pytest

from tfx_distill.contracts import kip_format
from tfx_distill.contracts.example_format import standardise
from tfx_distill.contracts.errors import DataError


def _set(n=20, seed=0):
  rng = np.random.default_rng(seed)
  images = standardise(rng.uniform(0, 1, (n, 28, 28, 1)) * (rng.uniform(0, 1, (n, 28, 28, 1)) > 0.8))
  labels = np.eye(10)[np.arange(n) % 10] - 0.1
  return images.astype(np.float32), labels.astype(np.float32)


def test_save_is_byte_identical_and_loads_back(tmp_path):
  images, labels = _set()
  first, second = tmp_path / 'a.npz', tmp_path / 'sub' / 'b.npz'
  kip_format.save(str(first), images, labels)
  kip_format.save(str(second), images.copy(), labels.copy())
  assert first.read_bytes() == second.read_bytes()
  with np.load(first, allow_pickle=False) as data:
    np.testing.assert_array_equal(data['images'], images)
    np.testing.assert_array_equal(data['labels'], labels)
  loaded = kip_format.load(str(first))
  np.testing.assert_array_equal(loaded.images, images)
  np.testing.assert_array_equal(loaded.labels, labels)
  assert not loaded.zca
  assert not list(tmp_path.glob('*.tmp'))


def test_load_accepts_nhw_images(tmp_path):
  images, labels = _set()
  path = tmp_path / 'nhw.npz'
  np.savez(path, images=images[..., 0], labels=labels)
  assert kip_format.load(str(path)).images.shape == (20, 28, 28, 1)


def _write(tmp_path, name, **arrays):
  path = tmp_path / name
  np.savez(path, **arrays)
  return str(path)


@pytest.mark.parametrize('name, change, message', [
    ('missing.npz', lambda i, l: {'images': i}, 'missing key'),
    ('shape.npz', lambda i, l: {'images': i[:, :27], 'labels': l}, 'images have shape'),
    ('width.npz', lambda i, l: {'images': i, 'labels': l[:, :9]}, 'labels have shape'),
    ('count.npz', lambda i, l: {'images': i, 'labels': l[:5]}, '5 labels for 20 images'),
    ('nan.npz', lambda i, l: {'images': np.where(i > 2, np.nan, i), 'labels': l}, 'NaN'),
    ('inf.npz', lambda i, l: {'images': i, 'labels': l / np.where(l > 0, 0, 1)}, 'infinite'),
    ('ints.npz', lambda i, l: {'images': i.astype(np.int32), 'labels': l}, 'dtype'),
    ('empty.npz', lambda i, l: {'images': i[:0], 'labels': l[:0]}, 'no images'),
    ('pickle.npz', lambda i, l: {'images': np.array([object()] * 3, dtype=object),
                                 'labels': l}, 'cannot read array'),
])
def test_load_refuses_bad_files(tmp_path, name, change, message):
  images, labels = _set()
  path = _write(tmp_path, name, **change(images, labels))
  with pytest.raises(DataError, match=message) as info:
    kip_format.load(path)
  assert info.value.where == path


def test_load_refuses_corrupt_and_missing_files(tmp_path):
  images, labels = _set()
  good = kip_format.to_bytes(images, labels)
  cases = {'truncated.npz': good[:len(good) // 2], 'text.npz': b'hello, not a zip',
           'empty_file.npz': b''}
  flipped = bytearray(good)
  flipped[len(good) // 2] ^= 0xFF
  cases['bitflip.npz'] = bytes(flipped)
  for name, data in cases.items():
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
      kip_format.load(str(path))
    assert info.value.where == str(path), name
  with pytest.raises(DataError, match='not found'):
    kip_format.load(str(tmp_path / 'absent.npz'))
  npy = tmp_path / 'single.npz'
  np.save(npy.with_suffix(''), images)
  (tmp_path / 'single.npy').rename(npy)
  with pytest.raises(DataError):
    kip_format.load(str(npy))


def test_load_refuses_a_zip_member_with_a_bad_npy_header(tmp_path):
  buffer = io.BytesIO()
  with zipfile.ZipFile(buffer, 'w') as archive:
    archive.writestr('images.npy', b'\x93NUMPY garbage')
    archive.writestr('labels.npy', b'\x93NUMPY garbage')
  path = tmp_path / 'header.npz'
  path.write_bytes(buffer.getvalue())
  with pytest.raises(DataError):
    kip_format.load(str(path))


def test_zca_is_detected_by_name_and_by_statistics(tmp_path):
  images, labels = _set()
  by_name = _write(tmp_path, 'ConvNet_ssize10_zca_l_noaug_ckpt78.npz', images=images,
                   labels=labels)
  assert kip_format.load(by_name).zca
  no_zca = _write(tmp_path, 'ConvNet_ssize10_nozca_l_noaug_ckpt78.npz', images=images,
                  labels=labels)
  assert not kip_format.load(no_zca).zca
  whitened = np.random.default_rng(1).standard_normal(images.shape).astype(np.float32)
  by_stats = _write(tmp_path, 'mystery.npz', images=whitened, labels=labels)
  loaded = kip_format.load(by_stats)
  assert loaded.zca and 'background' in loaded.zca_evidence
