"""Static checks of kubeflow/Dockerfile (no Docker engine runs here): the base image is
the official TFX image of the pinned version and the package it installs installs."""

import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(REPO, 'kubeflow', 'Dockerfile')


def instructions():
  """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
  with open(DOCKERFILE) as f:
    text = re.sub(r'\\\n', ' ', f.read())
  lines = [line.strip() for line in text.splitlines()]
  return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith('#')]


def pinned(package):
  with open(os.path.join(REPO, 'constraints.txt')) as f:
    for line in f:
      name, _, version = line.strip().partition('==')
      if name.lower() == package:
        return version
  raise AssertionError(f'{package} is not pinned in constraints.txt')


def test_base_image_is_the_official_tfx_image_of_the_pinned_version():
  froms = [args for op, args in instructions() if op == 'FROM']
  assert froms == [f'tensorflow/tfx:{pinned("tfx")}']


def copied_paths():
  """Every source path the Dockerfile COPYs from the build context (the repository)."""
  copied = []
  for op, args in instructions():
    if op == 'COPY':
      *sources, _ = args.split()
      copied += sources
  return copied


def pyproject() -> str:
  with open(os.path.join(REPO, 'pyproject.toml')) as f:
    return f.read()


def package_dirs():
  """{folder: import name} of the package-dir mapping in pyproject.toml."""
  table = pyproject().split('[tool.setuptools.package-dir]', 1)[1].split('\n[', 1)[0]
  return {folder: name for name, folder in re.findall(r'"([\w.]+)" = "(\w+)"', table)}


def test_every_copied_path_exists_and_every_package_is_copied():
  copied = copied_paths()
  for source in copied:
    assert os.path.exists(os.path.join(REPO, source)), source
  for folder, name in package_dirs().items():
    assert name == (f'tfx_distill.{folder}' if folder != 'tfx_distill' else folder)
    assert folder in copied, f'{folder}/ is packaged but not copied into the image'
  assert 'constraints.txt' in copied and 'pyproject.toml' in copied


def test_every_python_package_folder_is_listed_in_pyproject():
  listed = set(re.findall(r'"(tfx_distill[\w.]*)"', pyproject().split(
      'packages = [', 1)[1].split(']', 1)[0]))
  found = set()
  for folder in package_dirs():
    for here, dirs, files in os.walk(os.path.join(REPO, folder)):
      dirs[:] = [d for d in dirs if d != '__pycache__']
      if '__init__.py' in files:
        inner = os.path.relpath(here, os.path.join(REPO, folder))
        found.add('.'.join([package_dirs()[folder]] + (
            inner.split(os.sep) if inner != '.' else [])))
  assert listed == found


def test_install_uses_the_constraints():
  runs = ' '.join(args for op, args in instructions() if op == 'RUN')
  assert re.search(r'pip install [^&]*-c constraints\.txt \.', runs), runs


def test_the_package_installs_from_what_the_image_copies(tmp_path):
  context = tmp_path / 'context'
  for source in copied_paths():
    if os.path.isdir(os.path.join(REPO, source)):
      shutil.copytree(os.path.join(REPO, source), context / source,
                      ignore=shutil.ignore_patterns('__pycache__'))
    else:
      context.mkdir(exist_ok=True)
      shutil.copy(os.path.join(REPO, source), context / source)
  target = tmp_path / 'site'
  install = subprocess.run(
      [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
       '--no-build-isolation', '--target', str(target), str(context)],
      capture_output=True, text=True, timeout=300, cwd=tmp_path)
  assert install.returncode == 0, install.stderr[-2000:]
  for module in ('components/ingest/executor.py', 'components/ingest/data/mnist10k.npz',
                 'trainer/task.py', 'kubeflow/compile.py', 'pipeline/pipeline.py',
                 'pipeline/cli/__main__.py'):
    assert (target / 'tfx_distill' / module).exists(), module
  for name in ('tests', 'pipeline', 'components', 'trainer', 'kubeflow'):
    assert not (target / name).exists(), f'{name} installed as a top-level name'
  imported = subprocess.run(
      [sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); '
       'import tfx_distill.pipeline.config as c; print(c.__file__); '
       'from tfx.utils.import_utils import import_class_by_path as i; '
       "print(i('tfx_distill.KipSet').__module__)", str(target)],
      capture_output=True, text=True, timeout=300, cwd=tmp_path)
  assert imported.stdout.strip().splitlines() == [
      str(target / 'tfx_distill' / 'pipeline' / 'config.py'),
      'tfx_distill.components.distiller.spec']
