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


def test_every_copied_path_exists_and_every_package_is_copied():
  copied = copied_paths()
  for source in copied:
    assert os.path.exists(os.path.join(REPO, source)), source
  with open(os.path.join(REPO, 'pyproject.toml')) as f:
    packages = re.search(r'include = \[(.*?)\]', f.read()).group(1)
  for package in re.findall(r'"(\w+)\*"', packages):
    assert package in copied, f'{package}/ is packaged but not copied into the image'
  assert 'constraints.txt' in copied and 'pyproject.toml' in copied


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
                 'trainer/task.py', 'kubeflow/compile.py', 'pipeline/pipeline.py'):
    assert (target / module).exists(), module
  assert not (target / 'tests').exists()
