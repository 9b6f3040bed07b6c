"""Static checks of kubeflow/Dockerfile (no Docker engine runs here): the base image is
the official TFX image of the pinned version, the package installs against the image's
own pins (kubeflow/image-constraints.txt) with a Beam SDK that matches the Beam boot
binary, the build context is only what is copied, and the package installs."""

import fnmatch
import os
import re
import shutil
import subprocess
import sys

from packaging.requirements import Requirement

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(REPO, 'kubeflow', 'Dockerfile')
IMAGE_CONSTRAINTS = 'kubeflow/image-constraints.txt'


def instructions():
  """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
  with open(DOCKERFILE) as f:
    text = re.sub(r'\\\n', ' ', f.read())
  lines = [line.strip() for line in text.splitlines()]
  return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith('#')]


def pinned(package, constraints='constraints.txt'):
  with open(os.path.join(REPO, constraints)) as f:
    for line in f:
      name, _, version = line.strip().partition('==')
      if name.lower().replace('_', '-') == package:
        return version
  raise AssertionError(f'{package} is not pinned in {constraints}')


def build_args():
  """{name: default} of the Dockerfile's ARGs."""
  return dict(args.partition('=')[::2] for op, args in instructions() if op == 'ARG'
              and '=' in args)


def test_base_image_is_the_official_tfx_image_of_the_pinned_version():
  froms = [args for op, args in instructions() if op == 'FROM']
  assert froms[-1] == f'tensorflow/tfx:{pinned("tfx")}'
  assert pinned('tfx', IMAGE_CONSTRAINTS) == pinned('tfx')
  # Models trained locally and in the image by the same TensorFlow and Keras.
  assert pinned('tensorflow', IMAGE_CONSTRAINTS) == pinned('tensorflow')
  assert pinned('keras', IMAGE_CONSTRAINTS) == pinned('keras')


def test_the_beam_sdk_matches_the_beam_boot_binary():
  beam_version = build_args()['BEAM_VERSION']
  froms = [args for op, args in instructions() if op == 'FROM']
  python = re.search(r'>=(\d+\.\d+)', pyproject().split('requires-python', 1)[1]).group(1)
  assert f'apache/beam_python{python}_sdk:${{BEAM_VERSION}} AS beam' in froms
  copies = [args for op, args in instructions() if op == 'COPY']
  assert '--from=beam /opt/apache/beam /opt/apache/beam' in copies
  assert pinned('apache-beam', IMAGE_CONSTRAINTS) == beam_version
  runs = ' '.join(args for op, args in instructions() if op == 'RUN')
  assert "v == '${BEAM_VERSION}'" in runs  # the build fails on another SDK


def test_pyproject_dependencies_are_met_by_the_image_pins():
  table = pyproject().split('dependencies = [', 1)[1].split(']', 1)[0]
  for text in re.findall(r'"([^"]+)"', table):
    requirement = Requirement(text)
    version = pinned(requirement.name.lower(), IMAGE_CONSTRAINTS)
    assert requirement.specifier.contains(version, prereleases=True), (text, version)


def copied_paths():
  """Every source path the Dockerfile COPYs from the build context (the repository)."""
  copied = []
  for op, args in instructions():
    if op == 'COPY' and not args.startswith('--from='):
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
  assert 'pyproject.toml' in copied


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


def test_install_uses_the_image_pins_not_the_local_ones():
  runs = ' '.join(args for op, args in instructions() if op == 'RUN')
  assert re.search(r'pip install [^&]*-c image-constraints\.txt \.', runs), runs
  # With the extras of the TFX image itself, of the same TFX.
  assert f"'tfx[docker-image]=={pinned('tfx')}'" in runs
  # The build checks what it installed (kubeflow/image_packages.py check).
  assert 'python kubeflow/image_packages.py check --constraints image-constraints.txt' in runs
  assert IMAGE_CONSTRAINTS in copied_paths() and 'constraints.txt' not in copied_paths()


def docker_ignored(path):
  """Whether .dockerignore keeps `path` out of the build context (the last matching
  pattern decides; a path is matched by its own pattern or by a parent folder's)."""
  with open(os.path.join(REPO, '.dockerignore')) as f:
    patterns = [line.strip() for line in f if line.strip() and not line.startswith('#')]
  parts = path.split('/')
  prefixes = ['/'.join(parts[:i]) for i in range(1, len(parts) + 1)]
  ignored = False
  for pattern in patterns:
    keep = pattern.startswith('!')
    glob = pattern.lstrip('!').rstrip('/')
    if any(fnmatch.fnmatch(prefix, glob) for prefix in prefixes):
      ignored = not keep
  return ignored


def test_the_build_context_is_what_the_image_copies():
  for source in copied_paths():
    assert not docker_ignored(source), source
    if os.path.isdir(os.path.join(REPO, source)):
      for name in os.listdir(os.path.join(REPO, source)):
        if not name.startswith('__pycache__'):
          assert not docker_ignored(f'{source}/{name}'), f'{source}/{name}'
  for local in ('.venv/bin/python', '.git/HEAD', 'runs/smoke/metadata.sqlite',
                'tests/conftest.py', 'contracts/__pycache__/errors.cpython-310.pyc'):
    assert docker_ignored(local), local


def test_the_package_installs_from_what_the_image_copies(tmp_path):
  context = tmp_path / 'context'
  for source in copied_paths():
    if os.path.isdir(os.path.join(REPO, source)):
      shutil.copytree(os.path.join(REPO, source), context / source, dirs_exist_ok=True,
                      ignore=shutil.ignore_patterns('__pycache__'))
    else:
      (context / source).parent.mkdir(parents=True, exist_ok=True)
      shutil.copy(os.path.join(REPO, source), context / source)
  target = tmp_path / 'site'
  install = subprocess.run(
      [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
       '--no-build-isolation', '--target', str(target), str(context)],
      capture_output=True, text=True, timeout=300, cwd=tmp_path)
  assert install.returncode == 0, install.stderr[-2000:]
  for module in ('components/ingest/executor.py', 'contracts/data/mnist10k.npz',
                 'contracts/errors.py', 'blessing/ece_metric.py',
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
