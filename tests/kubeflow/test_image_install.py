"""The image's install, resolved here with pip against PyPI (no Docker engine runs
here): the Dockerfile's `pip install` requirements under kubeflow/image-constraints.txt,
for this Python (3.10, as the image's), must resolve to exactly the pinned versions;
`pip check` must find nothing broken among them; the build's own check
(kubeflow/image_packages.py check) must tell a conflict that comes with the base image
from one of the pinned packages. One resolution for the module (about a minute: pip
fetches the metadata of some 250 packages). Skipped, saying so, when PyPI cannot be
reached."""

import os
import re
import subprocess
import sys
import urllib.request

import pip
import pytest

from tfx_distill.kubeflow import image_packages

PYPI = 'https://pypi.org/simple/pip/'


def pypi_reachable() -> bool:
  try:
    with urllib.request.urlopen(PYPI, timeout=15) as response:
      return response.status == 200
  except OSError:
    return False


@pytest.fixture(scope='module')
def resolved(tmp_path_factory):
  """pip's report of the image's install resolved against the image's pins."""
  if not pypi_reachable():
    pytest.skip(f'PyPI is not reachable from here ({PYPI}): the image install cannot be '
                'resolved')
  report = str(tmp_path_factory.mktemp('resolve') / 'report.json')
  return image_packages.resolve(image_packages.install_requirements(),
                                image_packages.IMAGE_CONSTRAINTS, report)


def write_environment(installs, root, extra=()):
  """A site directory holding only the metadata (.dist-info/METADATA) of the given pip
  report entries, plus `extra` (name, version, requirements): what `pip check` reads."""
  entries = [(i['metadata']['name'], i['metadata']['version'],
              i['metadata'].get('requires_dist', []),
              i['metadata'].get('provides_extra', [])) for i in installs]
  entries += [(name, version, requires, []) for name, version, requires in extra]
  for name, version, requires, extras in entries:
    folder = os.path.join(root, f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info")
    os.makedirs(folder, exist_ok=True)
    lines = ['Metadata-Version: 2.1', f'Name: {name}', f'Version: {version}']
    lines += [f'Requires-Dist: {r}' for r in requires]
    lines += [f'Provides-Extra: {e}' for e in extras or []]
    with open(os.path.join(folder, 'METADATA'), 'w', encoding='utf-8') as f:
      f.write('\n'.join(lines) + '\n')
  return root


@pytest.fixture(scope='module')
def pip_only(tmp_path_factory):
  """A folder holding only this virtualenv's `pip` package."""
  folder = tmp_path_factory.mktemp('pip_only')
  os.symlink(os.path.dirname(os.path.abspath(pip.__file__)), folder / 'pip')
  return str(folder)


def pip_check(site, pip_only):
  """`pip check` (this virtualenv's pip) on a site directory alone: (status, output)."""
  done = subprocess.run(
      [sys.executable, '-I', '-S', '-c',
       'import sys; sys.path[:0] = sys.argv[1:3]; '
       'from pip._internal.cli.main import main; sys.exit(main(["check"]))',
       str(site), pip_only],
      capture_output=True, text=True, timeout=300, env=image_packages.pip_environment())
  return done.returncode, done.stdout + done.stderr


def test_the_install_resolves_to_exactly_the_pins(resolved):
  found = image_packages.versions(resolved)
  pins = image_packages.read_pins(image_packages.IMAGE_CONSTRAINTS)
  assert {name: version for name, version in found.items() if pins.get(name) != version} \
      == {}, 'resolved to versions that image-constraints.txt does not pin'
  assert set(pins) == set(found), 'pins of packages the image does not install'
  assert found['apache-beam'] == image_packages.beam_version()  # the boot binary's
  assert (found['tfx'], found['tensorflow']) == ('1.16.0', '2.16.2')
  # What TFX 1.16's docker-image extra installs is resolved with the rest.
  assert {'kfp', 'mmh', 'python-snappy', 'tensorflow-cloud', 'tensorflow-io'} <= set(found)


def test_pip_check_finds_nothing_broken(resolved, pip_only, tmp_path):
  status, output = pip_check(write_environment(resolved, tmp_path / 'site'), pip_only)
  assert (status, output.strip()) == (0, 'No broken requirements found.'), output


def test_the_build_check_tells_base_conflicts_from_broken_pins(resolved, pip_only,
                                                               tmp_path):
  pins = image_packages.read_pins(image_packages.IMAGE_CONSTRAINTS)
  base = {**pins, 'apache-beam': '2.61.0'}  # a base image with a newer Beam SDK
  # A package only the base image has, which the pins break; and the pinned packages.
  site = write_environment(resolved, tmp_path / 'site', extra=[
      ('dlvm-notebook-tools', '1.0', ['tornado<6.4'])])
  status, output = pip_check(site, pip_only)
  assert status == 1 and 'dlvm-notebook-tools 1.0 has requirement tornado<6.4' in output
  with open(tmp_path / 'base.txt', 'w', encoding='utf-8') as f:
    f.writelines(f'{name}=={version}\n' for name, version in base.items())
  with open(tmp_path / 'pip-check.txt', 'w', encoding='utf-8') as f:
    f.write(output)
  command = [sys.executable, image_packages.__file__, 'check', '--constraints',
             image_packages.IMAGE_CONSTRAINTS, '--base', str(tmp_path / 'base.txt'),
             '--pip-check', str(tmp_path / 'pip-check.txt'), '--path', str(site)]
  done = subprocess.run(command, capture_output=True, text=True, timeout=120)
  assert done.returncode == 0, done.stdout + done.stderr
  assert 'changed from the base image: apache-beam 2.61.0 -> 2.59.0;' in done.stdout
  assert ('conflict that comes with the base image (a package tfx-distill does not '
          'install): dlvm-notebook-tools 1.0 has requirement tornado<6.4') in done.stdout
  # A pinned package whose requirement is broken fails the build.
  with open(tmp_path / 'pip-check.txt', 'a', encoding='utf-8') as f:
    f.write('tensorflow-serving-api 2.16.1 has requirement tensorflow<2.16, but you have '
            'tensorflow 2.16.2.\n')
  done = subprocess.run(command, capture_output=True, text=True, timeout=120)
  assert done.returncode == 1
  assert 'error: pip check: tensorflow-serving-api 2.16.1' in done.stderr
  # So does a pin that the install did not honour (the base's Beam stayed).
  os.rename(site / 'apache_beam-2.59.0.dist-info', site / 'apache_beam-2.61.0.dist-info')
  with open(site / 'apache_beam-2.61.0.dist-info' / 'METADATA', 'r+',
            encoding='utf-8') as f:
    text = f.read().replace('Version: 2.59.0', 'Version: 2.61.0')
    f.seek(0)
    f.write(text)
    f.truncate()
  with open(tmp_path / 'pip-check.txt', 'w', encoding='utf-8') as f:
    f.write('')
  done = subprocess.run(command, capture_output=True, text=True, timeout=120)
  assert done.returncode == 1
  assert 'apache-beam==2.59.0 is pinned but 2.61.0 is installed' in done.stderr
