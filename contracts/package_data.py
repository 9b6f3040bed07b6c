"""The files this package ships beside its modules (package data: the bundled digits,
the curated schema, the report's templates), found where the package is installed,
through importlib.resources: a step in the container image reads them from the
installed wheel, never from a source checkout (kubeflow/Dockerfile keeps none)."""

import importlib.resources


def path(package: str, *parts: str) -> str:
  """The file `parts` of the installed `package` (a module path, e.g.
  'tfx_distill.contracts'), as a filesystem path. Wheels install unpacked, so the
  resource is a file on disk."""
  return str(importlib.resources.files(package).joinpath(*parts))
