"""What TFX's cache must see besides the settings: fingerprints of the files a run reads
and of the code each step runs, computed once when the pipeline is built.

TFX reuses an earlier execution when the node, its input artifacts and its execution
parameters are the same (tfx/orchestration/portable/cache_utils.py). It hashes a
Trainer's `module_file`, but neither the modules behind `run_fn` nor the file behind a
path parameter, so a changed file at the same path, or changed code, would silently
reuse old outputs. `create_pipeline` therefore gives the steps two more parameters,
which no executor reads:

- `source_fingerprint` (Ingest, each KipImport): a SHA-256 of the path, size and
  modification time of every file the source reads, through `tf.io.gfile` (so gs://
  too; contracts/files.py), each source saying which files it reads in its entry of
  contracts/sources.py (the bundled file for `sample`, the file of `csv:` and
  `npz:`, the directory's files for `idx:`, the prepared dataset's files for `tfds:`,
  none before its first download, so the run after the download ingests again);
- `code_version` (every step that runs this package's code: Ingest, ImportSchemaGen,
  Distiller, KipImport, Trainer, Tuner, Pusher, SetPublisher, Report): the package
  version and a SHA-256 of the tfx_distill source files that the step's module imports,
  directly or not (read with `ast`, not imported), and of the data files of their
  packages (the curated schema, the report's templates, the bundled digits). The
  Evaluators, StatisticsGen, SchemaGen and ExampleValidator
  run TFX's code on our artifacts: a re-run step upstream gives them new inputs.

Reading a fingerprint is also the first check of each input: a missing file, or a
gs:// path that cannot be read, raises a DataError before the pipeline starts. Local
runs carry both kinds (`local_runner.py`); a Kubeflow/Vertex compile carries the code
versions, and its job reads the fingerprints when it runs (a SourceFingerprint step,
components/source_fingerprint/), as the machine that compiles need not reach the data
and `data` may name another file at submission.
"""

import ast
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import os
from typing import Dict, Iterable, List, Mapping, Optional, Tuple


from tfx_distill import DISTRIBUTION
from tfx_distill.contracts import sources
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.contracts.files import digest, file_entries

PACKAGE = 'tfx_distill'
COMPONENTS = f'{PACKAGE}.components'
# The Trainer's and the Tuner's module code, which their components name by string.
MODULE_CODE = {'training': ('tfx_distill.trainer.task',),
               'tuner': ('tfx_distill.trainer.tuner',)}


def step_modules() -> Dict[str, Tuple[str, ...]]:
  """{step: the modules whose code it runs}, derived: every component folder with an
  executor (`components/<step>/`), all of its modules (a folder is its component's
  code), and the Trainer's and the Tuner's module code."""
  folder = os.path.dirname(module_path(f'{COMPONENTS}.__init__') or
                           module_path(COMPONENTS))
  steps = {}
  for name in sorted(os.listdir(folder)):
    if os.path.isfile(os.path.join(folder, name, 'executor.py')):
      steps[name] = tuple(f'{COMPONENTS}.{name}.{module[:-3]}'
                          for module in sorted(os.listdir(os.path.join(folder, name)))
                          if module.endswith('.py') and module != '__init__.py')
  for step, modules in MODULE_CODE.items():
    steps[step] = modules + steps.get(step, ())
  return steps


@dataclasses.dataclass(frozen=True)
class CacheKeys:
  """The fingerprints of one pipeline build: `data` of the ingest source, `kip_sets`
  one per --kip-set file, `code` {step: code version} (steps of `step_modules`)."""
  data: str = ''
  kip_sets: Tuple[str, ...] = ()
  code: Mapping[str, str] = dataclasses.field(default_factory=dict)

  def code_of(self, step: str) -> str:
    return self.code.get(step, '')

  def kip_set(self, index: int) -> str:
    return self.kip_sets[index] if index < len(self.kip_sets) else ''


def cache_keys(ingest: IngestSettings, kip_sets: Iterable[str]) -> CacheKeys:
  """Every fingerprint of a local run (reads the inputs' metadata; DataError when one
  is missing or unreadable)."""
  return CacheKeys(data=sources.fingerprint(ingest.data, ingest.tfds_options),
                   kip_sets=tuple(digest(file_entries(path)) for path in kip_sets),
                   code=code_versions())


# ------------------------------------------------------------------------------- code


def module_path(name: str) -> Optional[str]:
  """The source file of a tfx_distill module, or None (not ours, or a name that is not
  a module, such as a class imported from one). Finds the file without importing."""
  parts = name.split('.')
  if parts[0] != PACKAGE or len(parts) < 2:
    return None
  spec = importlib.util.find_spec('.'.join(parts[:2]))
  if spec is None or not spec.submodule_search_locations:
    return None
  base = os.path.join(list(spec.submodule_search_locations)[0], *parts[2:])
  for candidate in (base + '.py', os.path.join(base, '__init__.py')):
    if os.path.isfile(candidate):
      return candidate
  return None


def imported_modules(path: str) -> List[str]:
  """The modules a source file may import: every `import x` and `from x import y` (as
  x and x.y), anywhere in the file."""
  with open(path, encoding='utf-8') as f:
    tree = ast.parse(f.read(), path)
  names = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      names += [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
      names += [node.module] + [f'{node.module}.{alias.name}' for alias in node.names]
  return names


def data_files(package: str, init_path: str) -> Dict[str, str]:
  """{'<package>/<relative path>': file} of the package's data files: every file of its
  folder that is not Python, in subfolders that are not packages themselves (the
  bundled digits, the schema, the report's templates)."""
  root = os.path.dirname(init_path)
  found = {}
  for here, dirs, files in os.walk(root):
    dirs[:] = sorted(d for d in dirs if d != '__pycache__'
                     and not os.path.exists(os.path.join(here, d, '__init__.py')))
    for name in files:
      if not name.endswith(('.py', '.pyc')):
        path = os.path.join(here, name)
        found[f'{package}/{os.path.relpath(path, root)}'] = path
  return found


def step_files(module: str) -> Dict[str, str]:
  """{module name: source file} of `module`, its packages and every tfx_distill module
  it imports, transitively, and the data files of those packages."""
  found, todo = {}, [module]
  while todo:
    parts = todo.pop().split('.')
    for depth in range(2, len(parts) + 1):  # the packages run their __init__ first
      name = '.'.join(parts[:depth])
      path = module_path(name)
      if path is not None and name not in found:
        found[name] = path
        todo += imported_modules(path)
        if os.path.basename(path) == '__init__.py':
          found.update(data_files(name, path))
  return found


def code_version(files: Mapping[str, str], version: str) -> str:
  """'<package version>+<SHA-256 of the modules' names and contents>', the same
  wherever the package is installed."""
  h = hashlib.sha256()
  for name in sorted(files):
    with open(files[name], 'rb') as f:
      h.update(name.encode() + b'\0' + f.read() + b'\0')
  return f'{version}+{h.hexdigest()[:16]}'


def code_versions() -> Dict[str, str]:
  """{step: code version} for every step of `step_modules`."""
  version = importlib.metadata.version(DISTRIBUTION)
  versions = {}
  for step, modules in step_modules().items():
    files = {}
    for module in modules:
      files.update(step_files(module))
    versions[step] = code_version(files, version)
  return versions
