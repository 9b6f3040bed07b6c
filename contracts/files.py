"""Reading the user's files (local or gs://, through tf.io.gfile), with a DataError
naming the file for every problem: missing, empty, or not readable at all (a gs:// path
without Google Cloud credentials, a bucket out of reach, no permission); and what the
cache compares of them (`file_entries`, `tree_entries`, `digest`: path, size and
modification time, read without reading the contents)."""

import hashlib
import os
from typing import Iterable, List

import tensorflow as tf

from tfx_distill.contracts.errors import DataError

CREDENTIALS_HINT = ('no Google Cloud credentials found (set GOOGLE_APPLICATION_CREDENTIALS '
                    'or run `gcloud auth application-default login`)')


def has_google_credentials() -> bool:
  """Whether Application Default Credentials are configured (google.auth's search:
  the environment variable, gcloud's file, the metadata server)."""
  import google.auth  # pylint: disable=g-import-not-at-top
  import google.auth.exceptions  # pylint: disable=g-import-not-at-top
  try:
    google.auth.default()
    return True
  except google.auth.exceptions.DefaultCredentialsError:
    return False


def first_line(error: BaseException) -> str:
  """An exception's message (a TensorFlow error's own), first line only."""
  text = str(getattr(error, 'message', None) or error).strip()
  return text.splitlines()[0] if text else type(error).__name__


def unreadable(path: str, error: BaseException) -> str:
  """Why `path` could not be read, as one line (for DataError(path, ...))."""
  reason = first_line(error)
  if path.startswith('gs://') and not has_google_credentials():
    return f'cannot read it: {CREDENTIALS_HINT}; {reason}'
  return f'cannot read it: {reason}'


def exists(path: str) -> bool:
  """tf.io.gfile.exists, with a DataError when the filesystem cannot answer."""
  try:
    return tf.io.gfile.exists(path)
  except tf.errors.OpError as e:
    raise DataError(path, unreadable(path, e)) from None


def read_bytes(path: str) -> bytes:
  """The whole file, or DataError when it is missing, empty or unreadable."""
  if not exists(path):
    raise DataError(path, 'file not found')
  try:
    with tf.io.gfile.GFile(path, 'rb') as f:
      data = f.read()
  except tf.errors.OpError as e:
    raise DataError(path, unreadable(path, e)) from None
  if not data:
    raise DataError(path, 'file is empty')
  return data


def file_entries(path: str) -> List[str]:
  """'path size mtime' of one file; DataError when it is missing or unreadable."""
  try:
    stat = tf.io.gfile.stat(path)
  except tf.errors.NotFoundError:
    raise DataError(path, 'file not found') from None
  except tf.errors.OpError as e:
    raise DataError(path, unreadable(path, e)) from None
  if stat.is_directory:
    raise DataError(path, 'is a directory, expected a file')
  return [f'{path} {stat.length} {stat.mtime_nsec}']


def tree_entries(directory: str, recursive: bool) -> List[str]:
  """'path size mtime' of every file in a directory (and below it if recursive);
  DataError when it is not a readable directory."""
  if not is_directory(directory):
    raise DataError(directory, 'directory not found')
  entries = []
  try:
    for parent, _, files in tf.io.gfile.walk(directory):
      for name in sorted(files):
        entries += file_entries(os.path.join(parent, name))
      if not recursive:
        break
  except tf.errors.OpError as e:
    raise DataError(directory, unreadable(directory, e)) from None
  return sorted(entries)


def is_directory(path: str) -> bool:
  """tf.io.gfile.isdir, with a DataError when the filesystem cannot answer."""
  try:
    return tf.io.gfile.isdir(path)
  except tf.errors.OpError as e:
    raise DataError(path, unreadable(path, e)) from None


def digest(entries: Iterable[str]) -> str:
  """A short SHA-256 of fingerprint entries."""
  return hashlib.sha256('\n'.join(entries).encode()).hexdigest()[:16]
