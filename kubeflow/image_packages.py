"""The Python packages of the container image (kubeflow/Dockerfile): how their pins are
derived, and the check the build runs after installing them. Standard library only: it
runs in the image before anything is imported from it, and on a developer's machine.

    python kubeflow/image_packages.py derive --tfx-requirements FILE
        Resolves the image's install (the Dockerfile's `pip install` requirements) for
        this Python with pip against PyPI, under: the versions the TFX 1.16 image is
        known to have (FIXED), tfx-distill's own (OWN, from ../constraints.txt), then the
        `==` pins of TFX 1.16's tfx/tools/docker/requirements.txt (FILE: that file at tag
        v1.16.0 of github.com/tensorflow/tfx); writes every resolved package, pinned, to
        kubeflow/image-constraints.txt. Needs PyPI; about a minute.

    python kubeflow/image_packages.py check --constraints FILE --base FILE --pip-check FILE
        In the image, after the install: fails (exit 1) unless every pin of FILE is
        installed at its version and `pip check` (its output in --pip-check) finds no
        broken requirement of a pinned package; prints the conflicts that come with the
        base image (a package of the base that tfx-distill does not install requires
        something else), and which packages the install changed against --base (the
        base image's `pip list --format=freeze`).

What is known of the base image `tensorflow/tfx:1.16.0` without pulling it (TFX's own
tfx/tools/docker/Dockerfile and build_docker_image.sh at v1.16.0): it is the Deep
Learning Container `gcr.io/deeplearning-platform-release/tf2-gpu.2-16.py310` (or
tf2-gpu.2-15.py310 when 2-16 was not published at build time) plus
`pip install ml_pipelines_sdk-1.16.0 tfx-1.16.0[docker-image] tensorflow==2.16.2`
*without* constraints: requirements.txt constrains only the stage that builds the TFX
wheels and picks the Beam boot binary (apache-beam 2.59.0). So the image holds tfx
1.16.0, ml-pipelines-sdk 1.16.0, tensorflow 2.16.2 and the boot binary of Beam 2.59.0;
every other version is whatever the container's packages were plus what pip chose on
the day the image was built, which cannot be read from here.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Dict, Iterable, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DOCKERFILE = os.path.join(HERE, 'Dockerfile')
IMAGE_CONSTRAINTS = os.path.join(HERE, 'image-constraints.txt')
LOCAL_CONSTRAINTS = os.path.join(REPO, 'constraints.txt')
SELF = 'tfx-distill'
# In tensorflow/tfx:1.16.0 for certain (see the module docstring); apache-beam is the
# version of the image's Beam boot binary (the Dockerfile's BEAM_VERSION).
FIXED = {'tfx': '1.16.0', 'ml-pipelines-sdk': '1.16.0', 'tensorflow': '2.16.2'}
# tfx-distill's own versions, from ../constraints.txt: Keras as the code is tested
# (under TFX's keras 3.6.0 the KIP ConvNet with augmentation fails in Flatten), and
# matplotlib (the Report) with the dependencies the TFX image lacks.
OWN = ('keras', 'namex', 'optree', 'matplotlib', 'contourpy', 'cycler', 'fonttools',
       'kiwisolver')
# And one more: setuptools 82 removed pkg_resources, which tensorflow_hub 0.15 (a TFX
# 1.16 dependency) imports, and pip would otherwise pick the newest; 65.5.0 is the
# virtualenv's (Python 3.10's bundled one), the version the tests run with.
OWN_CHOSEN = {'setuptools': '65.5.0'}
SECTIONS = (
    ('fixed', 'In tensorflow/tfx:1.16.0 for certain (TFX 1.16 Dockerfile); apache-beam is '
              'the version of\n# the Beam boot binary (BEAM_VERSION).'),
    ('own', "tfx-distill's own (../constraints.txt), and setuptools below 82 (which "
            'removed pkg_resources,\n# imported by tensorflow_hub 0.15).'),
    ('tfx', "TFX 1.16's tfx/tools/docker/requirements.txt, the set TFX 1.16 was built "
            'and tested with.'),
    ('resolved', 'Resolved by pip from the rest (requirements.txt has none, or only a '
                 'lower bound).'),
)


def canonical(name: str) -> str:
  return re.sub(r'[-_.]+', '-', name).lower()


def read_pins(path: str) -> Dict[str, str]:
  """{canonical name: version} of the `name==version` lines of a requirements file."""
  pins = {}
  with open(path, encoding='utf-8') as f:
    for line in f:
      line = line.split('#', 1)[0].strip()
      match = re.fullmatch(r'([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)', line)
      if match:
        pins[canonical(match.group(1))] = match.group(2)
  return pins


def dockerfile_text(path: str = DOCKERFILE) -> str:
  with open(path, encoding='utf-8') as f:
    return re.sub(r'\\\n', ' ', f.read())


def beam_version(text: Optional[str] = None) -> str:
  return re.search(r'^ARG BEAM_VERSION=(\S+)', text or dockerfile_text(), re.M).group(1)


def install_requirements(text: Optional[str] = None) -> List[str]:
  """The requirements of the Dockerfile's `pip install ... -c image-constraints.txt ...`
  (`.`, or the wheel its build stage made, `.../tfx_distill-*.whl`, is this package)."""
  command = re.search(r'pip install ([^&]*-c image-constraints\.txt[^&]*)',
                      text or dockerfile_text()).group(1)
  words = [w.strip('\'"') for w in command.split()]
  skip_next = False
  requirements = []
  for word in words:
    if skip_next:
      skip_next = False
    elif word == '-c':
      skip_next = True
    elif not word.startswith('-'):
      requirements.append(word)
  return requirements


def is_this_package(requirement: str) -> bool:
  """Whether a requirement of the Dockerfile's install is tfx-distill itself: `.`, or
  its wheel (`wheels/tfx_distill-*.whl`)."""
  return (requirement == '.'
          or re.search(r'(^|/)tfx_distill-[^/]*\.whl$', requirement) is not None)


def pip_environment() -> Dict[str, str]:
  """This environment without any pip configuration (files or PIP_* variables), so that
  pip resolves against PyPI as the image's build does; a CA bundle and proxies stay."""
  env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
  env['PIP_CONFIG_FILE'] = os.devnull
  if os.environ.get('PIP_CERT'):
    env['PIP_CERT'] = os.environ['PIP_CERT']
  return env


def resolve(requirements: Iterable[str], constraints: str, report: str,
            python: str = sys.executable, timeout: int = 900) -> List[dict]:
  """pip's resolution (`install --dry-run --ignore-installed --report`) of requirements
  under the constraints file, for `python`: the report's `install` entries. `.` is
  this repository. Raises RuntimeError with pip's output when it does not resolve."""
  requirements = [REPO if is_this_package(r) else r for r in requirements]
  done = subprocess.run(
      [python, '-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet',
       '--disable-pip-version-check', '--report', report, '-c', constraints,
       *requirements], env=pip_environment(), capture_output=True, text=True,
      timeout=timeout, cwd=REPO)
  if done.returncode != 0:
    raise RuntimeError(f'pip could not resolve {requirements}: '
                       f'{(done.stdout + done.stderr)[-4000:]}')
  with open(report, encoding='utf-8') as f:
    return json.load(f)['install']


def versions(installs: Iterable[dict]) -> Dict[str, str]:
  """{canonical name: version} of a pip report's `install` entries, this package
  left out."""
  found = {canonical(i['metadata']['name']): i['metadata']['version'] for i in installs}
  found.pop(SELF, None)
  return found


def derive(tfx_requirements: str, out: str = IMAGE_CONSTRAINTS) -> Dict[str, str]:
  """Writes the image's pins (see the module docstring); returns them."""
  tfx_pins = read_pins(tfx_requirements)
  local = read_pins(LOCAL_CONSTRAINTS)
  fixed = {**FIXED, 'apache-beam': beam_version()}
  own = {**{name: local[name] for name in OWN}, **OWN_CHOSEN}
  chosen = {**tfx_pins, **own, **fixed}
  with tempfile.TemporaryDirectory() as tmp:
    constraints = os.path.join(tmp, 'constraints.txt')
    with open(constraints, 'w', encoding='utf-8') as f:
      f.writelines(f'{name}=={version}\n' for name, version in sorted(chosen.items()))
    resolved = versions(resolve(install_requirements(), constraints,
                                os.path.join(tmp, 'report.json')))
  source = {}
  for name, version in resolved.items():
    if name in fixed:
      source[name] = 'fixed'
    elif name in own:
      source[name] = 'own'
    elif tfx_pins.get(name) == version:
      source[name] = 'tfx'
    else:
      source[name] = 'resolved'
  with open(out, encoding='utf-8') as f:
    header = f.read().split('\n\n', 1)[0].rstrip('\n')  # its explanation, kept
  with open(out, 'w', encoding='utf-8') as f:
    f.write(header + '\n')
    for key, title in SECTIONS:
      names = sorted(n for n in resolved if source[n] == key)
      f.write(f'\n# {title}\n')
      f.writelines(f'{name}=={resolved[name]}\n' for name in names)
  return resolved


PIP_CHECK_LINE = re.compile(r'^(\S+) (\S+) (requires|has requirement|is not supported)')


def classify(pip_check_output: str, pinned: Iterable[str]) -> Tuple[List[str], List[str]]:
  """(ours, base): the `pip check` lines whose requiring package is pinned (installed
  by tfx-distill), and those of packages that only the base image has."""
  pinned = {canonical(n) for n in pinned}
  ours, base = [], []
  for line in pip_check_output.splitlines():
    match = PIP_CHECK_LINE.match(line.strip())
    if not match:
      continue
    (ours if canonical(match.group(1)) in pinned else base).append(line.strip())
  return ours, base


def installed(path: Optional[List[str]] = None) -> Dict[str, str]:
  from importlib import metadata  # pylint: disable=import-outside-toplevel
  found = {}
  for dist in metadata.distributions(**({'path': path} if path else {})):
    name = dist.metadata['Name']
    if name:
      found.setdefault(canonical(name), dist.version)
  return found


def check(constraints: str, pip_check_output: str, base: Dict[str, str],
          path: Optional[List[str]] = None) -> int:
  """The build's check (see the module docstring); 0 when it passes."""
  pins = read_pins(constraints)
  present = installed(path)
  failures = [f'{name}=={version} is pinned but {present.get(name, "nothing")} is '
              'installed' for name, version in sorted(pins.items())
              if present.get(name) != version]
  ours, from_base = classify(pip_check_output, pins)
  failures += [f'pip check: {line}' for line in ours]
  changed = [f'{name} {base[name]} -> {version}' for name, version in sorted(pins.items())
             if name in base and base[name] != version]
  added = sorted(name for name in pins if name not in base)
  print(f'image packages: {len(pins)} pinned; changed from the base image: '
        f'{", ".join(changed) or "none"}; added: {", ".join(added) or "none"}')
  for line in from_base:
    print(f'image packages: conflict that comes with the base image (a package '
          f'tfx-distill does not install): {line}')
  for line in failures:
    print(f'image packages: error: {line}', file=sys.stderr)
  return 1 if failures else 0


def main(argv: Optional[List[str]] = None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
  commands = parser.add_subparsers(dest='command', required=True)
  derive_parser = commands.add_parser('derive')
  derive_parser.add_argument('--tfx-requirements', required=True)
  derive_parser.add_argument('--out', default=IMAGE_CONSTRAINTS)
  check_parser = commands.add_parser('check')
  check_parser.add_argument('--constraints', required=True)
  check_parser.add_argument('--pip-check', required=True)
  check_parser.add_argument('--base', required=True)
  check_parser.add_argument('--path', action='append',
                            help='look for installed packages here (default: sys.path)')
  args = parser.parse_args(argv)
  if args.command == 'derive':
    pins = derive(args.tfx_requirements, args.out)
    print(f'{len(pins)} pins written to {args.out}')
    return 0
  with open(args.pip_check, encoding='utf-8') as f:
    output = f.read()
  return check(args.constraints, output, read_pins(args.base), args.path)


if __name__ == '__main__':
  sys.exit(main())
