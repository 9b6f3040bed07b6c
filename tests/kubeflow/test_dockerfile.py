"""Static checks of kubeflow/Dockerfile (no Docker engine runs here): the base image is
the official TFX image of the pinned version, the package installs against the image's
own pins (kubeflow/image-constraints.txt) with a Beam SDK that matches the Beam boot
binary, the build context is the package's sources, the wheel the build stage makes holds
every module and data file, and the steps' working directory holds nothing of it
(tests/kubeflow/image.py reads the Dockerfile; test_image_run.py runs the image's
layout)."""

import os
import re
import zipfile

from packaging.requirements import Requirement

from tests.kubeflow import image

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(REPO, 'kubeflow', 'Dockerfile')
IMAGE_CONSTRAINTS = 'kubeflow/image-constraints.txt'


def instructions():
  """(INSTRUCTION, arguments) of the Dockerfile, every stage, continuation lines
  joined."""
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


def pyproject() -> str:
  with open(os.path.join(REPO, 'pyproject.toml')) as f:
    return f.read()


def package_dirs():
  """{folder: import name} of the package-dir mapping in pyproject.toml."""
  table = pyproject().split('[tool.setuptools.package-dir]', 1)[1].split('\n[', 1)[0]
  return {folder: name for name, folder in re.findall(r'"([\w.]+)" = "(\w+)"', table)}


def context_files():
  """The build context: every file of the repository that .dockerignore lets through
  (relative paths), what the build stage's `COPY . .` copies."""
  patterns = image.dockerignore_patterns()
  found = []
  for here, dirs, files in os.walk(REPO):
    dirs[:] = [d for d in dirs if not image.ignored(
        os.path.relpath(os.path.join(here, d), REPO), patterns)]
    found += [os.path.relpath(os.path.join(here, f), REPO) for f in files]
  return [f for f in found if not image.ignored(f, patterns)]


def test_the_build_context_holds_every_package_folder_and_nothing_local():
  context = context_files()
  tops = {path.split(os.sep)[0] for path in context}
  assert tops == set(package_dirs()) | {'pyproject.toml', 'setup.py', 'README.md'}, tops
  for folder in package_dirs():
    assert os.path.join(folder, '__init__.py') in context, folder
  for local in ('.venv/bin/python', '.git/HEAD', 'runs/smoke/metadata.sqlite',
                'tests/conftest.py', 'contracts/__pycache__/errors.cpython-310.pyc',
                'bench/README.md'):
    assert image.ignored(local, image.dockerignore_patterns()), local


def test_install_uses_the_image_pins_not_the_local_ones():
  final = image.parse()[-1]
  runs = ' '.join(command for _, command in final.runs())
  assert re.search(r'pip install [^&]*-c image-constraints\.txt wheels/tfx_distill-\*\.whl',
                   runs), runs
  # With the extras of the TFX image itself, of the same TFX.
  assert f"'tfx[docker-image]=={pinned('tfx')}'" in runs
  # The build checks what it installed (kubeflow/image_packages.py check).
  assert 'python image_packages.py check --constraints image-constraints.txt' in runs
  copied = [source for _, sources, _ in final.copies() for source in sources]
  assert IMAGE_CONSTRAINTS in copied and 'constraints.txt' not in copied
  assert 'kubeflow/image_packages.py' in copied


def test_the_runtime_working_directory_holds_no_sources(tmp_path):
  """Python puts a step's working directory first on its import path: nothing of the
  package may be there (the image run, test_image_run.py, runs the steps from it)."""
  final = image.parse()[-1]
  image.lay_out(final, str(tmp_path))
  workdir = tmp_path / final.workdir.lstrip('/')
  assert workdir.is_dir()
  assert [str(p.relative_to(workdir)) for p in workdir.rglob('*')] == []


def test_the_wheel_holds_the_modules_and_their_data_files(tmp_path):
  """The wheel as the build stage makes it (from what it copies): every module, the
  bundled digits, the schema and the report's templates, under tfx_distill only."""
  wheel = image.build_wheel(image.parse(), str(tmp_path / 'root'),
                            str(tmp_path / 'wheel'))
  with zipfile.ZipFile(wheel) as archive:
    names = archive.namelist()
  for module in ('components/ingest/executor.py', 'contracts/data/mnist10k.npz',
                 'components/data_gate/digits_schema.pbtxt',
                 'components/report/templates/index.html.j2', 'contracts/errors.py',
                 'blessing/ece_metric.py', 'trainer/task.py', 'kubeflow/compile.py',
                 'kubeflow/image_packages.py', 'pipeline/cli/__main__.py'):
    assert f'tfx_distill/{module}' in names, module
  tops = {name.split('/')[0] for name in names}
  assert tops == {'tfx_distill', os.path.basename(wheel).split('-py3')[0] + '.dist-info'}
  # Every package folder of the repository is in the wheel (setup.py derives the list).
  for folder, name in package_dirs().items():
    for here, dirs, files in os.walk(os.path.join(REPO, folder)):
      dirs[:] = [d for d in dirs if d != '__pycache__']
      if '__init__.py' in files:
        inner = os.path.relpath(here, os.path.join(REPO, folder))
        package = name.replace('.', '/') + ('' if inner == '.' else '/' + inner)
        assert f'{package}/__init__.py' in names, package
