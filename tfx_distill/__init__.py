"""tfx-distill: the package root. Its subpackages come from the repository's folders
(pyproject.toml maps `pipeline/` to `tfx_distill.pipeline`, and so on).

It names the installed distribution (DISTRIBUTION: the package version comes from it)
and the project's artifact types, lazily: Kubeflow Pipelines v2 and Vertex AI
record a custom artifact type by a schema title of the form `namespace.Title` (TFX's
KubeflowV2DagRunner requires exactly that form), and TFX's container entry point
imports the class by that title, `tfx_distill.KipSet` and so on, before anything else
of the step runs.
"""

import importlib

DISTRIBUTION = 'tfx-distill'  # the name pip installs this package under (pyproject.toml)

_ARTIFACT_TYPES = {
    'KipSet': 'tfx_distill.components.distiller.spec',
    'DataCheck': 'tfx_distill.components.data_gate.spec',
    'PublishedSet': 'tfx_distill.components.set_publisher.spec',
    'Report': 'tfx_distill.components.report.spec',
    'TransferResult': 'tfx_distill.components.transfer.spec',
}


def __getattr__(name: str):
  if name in _ARTIFACT_TYPES:
    return getattr(importlib.import_module(_ARTIFACT_TYPES[name]), name)
  raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
