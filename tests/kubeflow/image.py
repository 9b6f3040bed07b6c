"""The container image of kubeflow/Dockerfile, laid out here without a Docker engine, as
its steps see it: the interpreter they run, the working directory they start in and
its files, and the environment.

Read from the Dockerfile itself, so that a change to it changes the tests:

- the wheel: the stage whose RUN builds or installs the package from `.` (`pip wheel
  ... .` or `pip install ... .`) is laid out from its COPY lines (sources from the build
  context, which `.dockerignore` filters), and the wheel is built there;
- the image: the final stage's last WORKDIR, what its COPY lines put inside it (a copy
  from another stage into it cannot be laid out here, and fails), and its ENV;
- the interpreter: a fresh virtual environment with that wheel installed normally (not
  editable), on top of the test environment's other packages, with no editable finder
  (the tests' own install maps the repository's folders, which would hide the wheel).

`Image.python` runs a command as a step does: `python ...` from the image's working
directory with the image's environment.
"""

import dataclasses
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from typing import Dict, List, Optional, Sequence, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(REPO, 'kubeflow', 'Dockerfile')
DOCKERIGNORE = os.path.join(REPO, '.dockerignore')


@dataclasses.dataclass
class Stage:
  """One FROM ... stage: its base, its name (AS ...) and its instructions."""
  base: str
  name: str
  instructions: List[Tuple[str, str]] = dataclasses.field(default_factory=list)

  def workdirs(self) -> List[str]:
    """The working directory after each instruction (Docker's default is /)."""
    current, found = '/', []
    for op, args in self.instructions:
      if op == 'WORKDIR':
        current = os.path.normpath(os.path.join(current, args.strip()))
      found.append(current)
    return found

  @property
  def workdir(self) -> str:
    return (self.workdirs() or ['/'])[-1]

  def env(self) -> Dict[str, str]:
    """The stage's ENV (`ENV K=V ...` or `ENV K V`)."""
    env = {}
    for op, args in self.instructions:
      if op != 'ENV':
        continue
      if '=' in args.split()[0]:
        for pair in shlex.split(args):
          key, _, value = pair.partition('=')
          env[key] = value
      else:
        key, value = args.split(None, 1)
        env[key] = value.strip()
    return env

  def copies(self) -> List[Tuple[Optional[str], List[str], str]]:
    """(from stage or None for the build context, sources, destination in the image)
    of each COPY, the destination made absolute against the WORKDIR of that point."""
    found = []
    for (op, args), workdir in zip(self.instructions, self.workdirs()):
      if op not in ('COPY', 'ADD'):
        continue
      words = args.split()
      source_stage = None
      while words[0].startswith('--'):
        flag = words.pop(0)
        if flag.startswith('--from='):
          source_stage = flag.split('=', 1)[1]
      *sources, destination = words
      absolute = os.path.join(workdir, destination)
      if destination.endswith('/') or destination in ('.', './'):
        absolute += '/'
      found.append((source_stage, sources, absolute))
    return found

  def runs(self) -> List[Tuple[str, str]]:
    """(working directory, command) of each RUN."""
    return [(workdir, args) for (op, args), workdir in
            zip(self.instructions, self.workdirs()) if op == 'RUN']


def parse(path: str = DOCKERFILE) -> List[Stage]:
  """The Dockerfile's stages, continuation lines joined, comments dropped."""
  with open(path, encoding='utf-8') as f:
    text = re.sub(r'\\\n', ' ', f.read())
  stages: List[Stage] = []
  for line in text.splitlines():
    line = line.strip()
    if not line or line.startswith('#'):
      continue
    op, _, args = line.partition(' ')
    op = op.upper()
    if op == 'FROM':
      base, _, name = args.partition(' AS ')
      stages.append(Stage(base.strip(), name.strip()))
    elif stages:
      stages[-1].instructions.append((op, args.strip()))
  return stages


def dockerignore_patterns(path: str = DOCKERIGNORE) -> List[str]:
  with open(path, encoding='utf-8') as f:
    return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def ignored(relative: str, patterns: Sequence[str]) -> bool:
  """Whether .dockerignore keeps a context path out (the last matching pattern decides;
  a path is matched by its own pattern or by a parent folder's)."""
  parts = relative.split('/')
  prefixes = ['/'.join(parts[:i]) for i in range(1, len(parts) + 1)]
  result = False
  for pattern in patterns:
    keep = pattern.startswith('!')
    glob = pattern.lstrip('!').rstrip('/')
    if any(fnmatch.fnmatch(prefix, glob) for prefix in prefixes):
      result = not keep
  return result


def copy_from_context(sources: Sequence[str], destination: str, root: str,
                      context: str = REPO) -> List[str]:
  """Carries out one COPY from the build context into the image laid out under `root`
  (the image's `/`), as Docker does: a folder's contents go into the destination, a
  file into it when it ends with '/', else to it; returns the image paths written."""
  patterns = dockerignore_patterns()
  target = os.path.join(root, destination.lstrip('/'))
  pairs = []  # (context path relative to the context, local destination)
  for source in sources:
    full = os.path.normpath(os.path.join(context, source))
    if os.path.isdir(full):
      for here, _, files in os.walk(full):
        for name in files:
          path = os.path.join(here, name)
          pairs.append((os.path.relpath(path, context),
                        os.path.join(target, os.path.relpath(path, full))))
    else:
      pairs.append((os.path.relpath(full, context),
                    os.path.join(target, os.path.basename(full))
                    if destination.endswith('/') else target))
  written = []
  for relative, out in pairs:
    if ignored(relative.replace(os.sep, '/'), patterns):
      continue
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy2(os.path.join(context, relative), out)
    written.append('/' + os.path.relpath(out, root))
  return written


def lay_out(stage: Stage, root: str) -> None:
  """The files a stage's COPY lines put into the image, from the build context, under
  `root`; every WORKDIR exists. Copies from other stages are left out."""
  for workdir in stage.workdirs():
    os.makedirs(os.path.join(root, workdir.lstrip('/')), exist_ok=True)
  for source_stage, sources, destination in stage.copies():
    if source_stage is None:
      copy_from_context(sources, destination, root)


PACKAGE_BUILD = re.compile(r'pip (?:install|wheel)\b[^&|;]*\s\.(?:\s|$)')


def build_wheel(stages: Sequence[Stage], root: str, out: str) -> str:
  """Builds the package's wheel as the Dockerfile does: in the stage whose RUN builds or
  installs `.`, laid out under `root`, from that RUN's working directory; returns the
  wheel's path. (No build isolation: offline, with this environment's setuptools.)"""
  for stage in stages:
    for workdir, command in stage.runs():
      if PACKAGE_BUILD.search(command):
        lay_out(stage, root)
        os.makedirs(out, exist_ok=True)
        source = os.path.join(root, workdir.lstrip('/'))
        subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
                        '--no-build-isolation', '--wheel-dir', out, source],
                       check=True, capture_output=True, text=True, cwd=out)
        [wheel] = [name for name in os.listdir(out) if name.endswith('.whl')]
        return os.path.join(out, wheel)
  raise AssertionError('no RUN of the Dockerfile builds or installs the package from .')


# Put into the image interpreter's site-packages: the test environment's packages (and
# the .pth files that set them up), but not an editable install's finder.
_BASE_SITE = '''"""The packages of {base} (not its editable installs) after this
environment's own."""
import os
import site
import sys

BASE = {base!r}
sys.path.append(BASE)
_known = set(sys.path)
for _name in sorted(os.listdir(BASE)):
  if _name.endswith('.pth') and not _name.startswith('__editable__'):
    site.addpackage(BASE, _name, _known)
'''


@dataclasses.dataclass(frozen=True)
class Image:
  """The image as its steps see it: `interpreter` (`python` in the image), `workdir`
  (the local directory standing for the image's working directory), `root` (the
  image's `/`), `env` (the image's ENV) and the installed wheel."""
  interpreter: str
  root: str
  workdir: str
  env: Dict[str, str]
  wheel: str
  site_packages: str

  def environ(self, **extra: str) -> Dict[str, str]:
    """This process's environment as a step's: the image's ENV on top, and nothing
    that would put other code on the import path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP')}
    env.update(self.env, **extra)
    return env

  def python(self, *args: str, timeout: int = 300, **extra_env: str):
    """`python ARGS` in the image (a finished CompletedProcess)."""
    return subprocess.run([self.interpreter, *args], cwd=self.workdir,
                          env=self.environ(**extra_env), capture_output=True,
                          text=True, timeout=timeout)


def build(directory: str) -> Image:
  """Lays out the image of kubeflow/Dockerfile under `directory`: builds the wheel as
  the Dockerfile does, makes the interpreter, lays out the final stage."""
  stages = parse()
  final = stages[-1]
  os.makedirs(directory, exist_ok=True)
  wheel = build_wheel(stages, os.path.join(directory, 'build-root'),
                      os.path.join(directory, 'wheel'))
  root = os.path.join(directory, 'root')
  lay_out(final, root)
  for source_stage, sources, destination in final.copies():
    inside = os.path.normpath(destination).startswith(final.workdir.rstrip('/') + '/')
    if source_stage is not None and (inside or os.path.normpath(destination)
                                     == final.workdir):
      raise AssertionError(f'COPY --from={source_stage} into the working directory '
                           f'{final.workdir} cannot be laid out here')
  venv = os.path.join(directory, 'venv')
  base_python = getattr(sys, '_base_executable', sys.executable)
  subprocess.run([base_python, '-m', 'venv', '--without-pip', venv], check=True,
                 capture_output=True)
  interpreter = os.path.join(venv, 'bin', 'python')
  site_packages = subprocess.run(
      [interpreter, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
      check=True, capture_output=True, text=True).stdout.strip()
  base_site = sysconfig.get_paths()['purelib']
  with open(os.path.join(site_packages, '_test_environment.py'), 'w',
            encoding='utf-8') as f:
    f.write(_BASE_SITE.format(base=base_site))
  with open(os.path.join(site_packages, '_test_environment.pth'), 'w',
            encoding='utf-8') as f:
    f.write('import _test_environment\n')
  subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
                  '--no-index', '--target', site_packages, wheel], check=True,
                 capture_output=True, text=True)
  return Image(interpreter=interpreter, root=root,
               workdir=os.path.join(root, final.workdir.lstrip('/')), env=final.env(),
               wheel=wheel, site_packages=site_packages)

