"""Plain logic of the KIP import: a validated KIP file -> a train split in the
example_format contract.

Images are brought from the standardised KIP space back to pixel/255 space (the space
of every other Examples artifact; not clipped, the trainer decides), learned labels are
kept as `label_vector`, and `label` is their argmax. ZCA-whitened files are refused:
undoing ZCA is not possible without the whitening matrix, and applying ZCA to what every
model sees would change the whole pipeline for one candidate.
"""

import numpy as np

from tfx_distill.contracts import kip_format
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import Split, make_split, unstandardise


def to_split(path: str, kip_file: kip_format.KipFile) -> Split:
  """The imported set as a Split; DataError for ZCA-whitened files."""
  if kip_file.zca:
    raise DataError(path, f'ZCA-whitened KIP sets are not supported ({kip_file.zca_evidence})'
                    '; use a `_nozca_` file')
  images = unstandardise(kip_file.images[..., 0]).astype(np.float32)
  labels = np.argmax(kip_file.labels, axis=1).astype(np.int64)
  return make_split(images, labels, kip_file.labels)


def import_kip_set(path: str) -> Split:
  """Reads, validates and converts a published KIP .npz (local or gs://)."""
  return to_split(path, kip_format.load(path))
