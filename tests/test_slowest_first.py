"""The files tests/conftest.py starts first exist (a moved file would silently lose its
place and run on alone at the end)."""

import os

from tests.conftest import SLOWEST_FIRST

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_slowest_files_exist():
  for path in SLOWEST_FIRST:
    assert os.path.isfile(os.path.join(REPO, path)), path
