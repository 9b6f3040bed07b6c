"""Reading and writing distilled sets in the published KIP `.npz` format.

Keys: `images` float32 NHWC (N, 28, 28, 1) in standardised space, `labels` float32
(N, 10). Files are read with allow_pickle=False; every problem raises DataError naming
the file.

Published files named `..._zca_...` are additionally ZCA-whitened; `load` reports that
(by name, or by statistics when the name says nothing: an unwhitened MNIST image has a
constant background at the standardised value of pixel 0, a whitened one has none).
"""

import io
import posixpath
import zipfile
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.files import read_bytes
from tfx_distill.contracts.example_format import IMAGE_SHAPE, NUM_CLASSES, standardise

# Zip member timestamps are fixed so that the same arrays always give the same bytes.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
BACKGROUND = float(standardise(0.0))


class KipFile(NamedTuple):
  """A validated KIP set: images (N, 28, 28, 1) float32, labels (N, 10) float32; `zca`
  tells whether the images are ZCA-whitened, `zca_evidence` why it was decided."""
  images: np.ndarray
  labels: np.ndarray
  zca: bool
  zca_evidence: str


def to_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
  """The .npz bytes of a set, as np.savez lays them out but with fixed timestamps."""
  buffer = io.BytesIO()
  with zipfile.ZipFile(buffer, 'w', compression=zipfile.ZIP_STORED) as archive:
    for key, array in (('images', images), ('labels', labels)):
      member = io.BytesIO()
      np.lib.format.write_array(member, np.ascontiguousarray(array, np.float32),
                                allow_pickle=False)
      info = zipfile.ZipInfo(f'{key}.npy', date_time=ZIP_DATE_TIME)
      info.external_attr = 0o600 << 16
      archive.writestr(info, member.getvalue())
  return buffer.getvalue()


def save(path: str, images: np.ndarray, labels: np.ndarray) -> None:
  """Writes the set deterministically (same arrays -> same bytes); via a temporary file
  and a rename, so a reader never sees a half-written file."""
  tf.io.gfile.makedirs(posixpath.dirname(path) or '.')
  tmp = path + '.tmp'
  with tf.io.gfile.GFile(tmp, 'wb') as f:
    f.write(to_bytes(images, labels))
  tf.io.gfile.rename(tmp, path, overwrite=True)


def _read_arrays(path: str) -> dict:
  data = read_bytes(path)
  if not data.startswith(b'PK'):
    raise DataError(path, 'not a .npz (zip) file')
  try:
    archive = np.load(io.BytesIO(data), allow_pickle=False)
  except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
    raise DataError(path, f'not a readable .npz file ({e})') from None
  with archive:
    missing = sorted({'images', 'labels'} - set(archive.files))
    if missing:
      raise DataError(path, f'missing key(s) {missing}; found {sorted(archive.files)} '
                      '(a KIP set has images and labels)')
    arrays = {}
    for key in ('images', 'labels'):
      try:
        arrays[key] = archive[key]
      except ValueError as e:
        # numpy refuses object (pickled) arrays when allow_pickle is False.
        raise DataError(path, f'{key}: cannot read array ({e})') from None
      except (OSError, zipfile.BadZipFile, EOFError, KeyError) as e:
        raise DataError(path, f'{key}: corrupt .npz member ({e})') from None
  return arrays


def detect_zca(path: str, images: np.ndarray) -> tuple:
  """(is ZCA-whitened, evidence): the published names say `_zca_` or `_nozca_`;
  otherwise the share of pixels at the background value of unwhitened images decides."""
  name = posixpath.basename(path).lower()
  if '_nozca' in name:
    return False, 'file name says nozca'
  if '_zca' in name:
    return True, 'file name says zca'
  at_background = float(np.mean(np.abs(images - BACKGROUND) < 0.05))
  if at_background < 0.05 and abs(float(np.median(images))) < 0.2:
    return True, (f'only {at_background:.1%} of pixels at the background value '
                  f'{BACKGROUND:.3f} and median near 0')
  return False, f'{at_background:.1%} of pixels at the background value'


def load(path: str) -> KipFile:
  """Reads and validates a published (or our own) KIP set; DataError on every defect."""
  arrays = _read_arrays(path)
  images, labels = arrays['images'], arrays['labels']
  for key, array in arrays.items():
    if array.dtype.kind != 'f':
      raise DataError(path, f'{key} have dtype {array.dtype}, expected float')
  if images.ndim == 3:
    images = images[..., None]
  if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE + (1,):
    raise DataError(path, f'images have shape {images.shape}, expected (N, 28, 28, 1) '
                    'or (N, 28, 28)')
  if images.shape[0] == 0:
    raise DataError(path, 'no images')
  if labels.ndim != 2 or labels.shape[1] != NUM_CLASSES:
    raise DataError(path, f'labels have shape {labels.shape}, expected (N, {NUM_CLASSES})')
  if labels.shape[0] != images.shape[0]:
    raise DataError(path, f'{labels.shape[0]} labels for {images.shape[0]} images')
  for key, array in (('images', images), ('labels', labels)):
    bad = int(np.sum(~np.isfinite(array)))
    if bad:
      raise DataError(path, f'{key} have {bad} NaN or infinite values')
  images = images.astype(np.float32)
  zca, evidence = detect_zca(path, images)
  return KipFile(images, labels.astype(np.float32), zca, evidence)
