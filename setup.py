"""The package list, derived from the folders: every folder with an `__init__.py` under
the folders that `pyproject.toml` maps into `tfx_distill` ([tool.setuptools.package-dir])
installs as a package, so that a new folder needs no entry of its own. Everything else
is declared in pyproject.toml."""

import os

import setuptools
from setuptools.config import pyprojecttoml

HERE = os.path.dirname(os.path.abspath(__file__))


def packages(package_dir):
  """Every importable package under the mapped folders: `tfx_distill.pipeline.cli`, ..."""
  found = []
  for name, folder in package_dir.items():
    root = os.path.join(HERE, folder)
    for here, dirs, files in os.walk(root):
      dirs[:] = sorted(d for d in dirs if d != '__pycache__')
      if '__init__.py' in files:
        inner = os.path.relpath(here, root)
        found.append('.'.join([name] + ([] if inner == '.' else inner.split(os.sep))))
  return sorted(found)


PACKAGE_DIR = pyprojecttoml.read_configuration(os.path.join(HERE, 'pyproject.toml'))[
    'tool']['setuptools']['package-dir']

setuptools.setup(packages=packages(PACKAGE_DIR))
