"""Loads a bench script (bench/NAME.py) as a module for its tests; bench/ is not a
package, and its scripts import short_training beside them."""

import importlib.util
import os
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'bench')


def load(name: str):
  """bench/NAME.py as a module."""
  sys.path.insert(0, BENCH)
  try:
    spec = importlib.util.spec_from_file_location(name, os.path.join(BENCH, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
  finally:
    sys.path.remove(BENCH)
  return module
