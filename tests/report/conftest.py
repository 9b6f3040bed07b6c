"""Shared by the report tests: one synthetic run and one executor run over it."""

import json
import os

import pytest
from tfx.types import standard_artifacts

from tfx_distill.components.data_gate.spec import DataCheck
from tfx_distill.components.report.component import Report
from tfx_distill.components.report.executor import Executor
from tfx_distill.components.set_publisher.spec import PublishedSet
from tfx_distill.components.transfer.spec import TransferResult
from tests.report.fake_run import make_run

CONFIG = {'name': 'tfx-distill', 'preset': 'test', 'seeds': 2}


def tfx_artifact(ref):
  types = {DataCheck.TYPE_NAME: DataCheck, PublishedSet.TYPE_NAME: PublishedSet,
           TransferResult.TYPE_NAME: TransferResult}
  artifact = (types[ref.type_name]() if ref.type_name in types
              else getattr(standard_artifacts, ref.type_name)())
  artifact.uri = ref.uri
  for name, value in ref.properties.items():
    if isinstance(value, int):
      artifact.set_int_custom_property(name, value)
    elif isinstance(value, float):
      artifact.set_float_custom_property(name, value)
    else:
      artifact.set_string_custom_property(name, value)
  return artifact


@pytest.fixture(scope='package')
def fake_run(tmp_path_factory):
  root = str(tmp_path_factory.mktemp('run'))
  refs = make_run(os.path.join(root, 'pipeline'))
  return root, refs


@pytest.fixture(scope='package')
def report_dir(fake_run):
  root, refs = fake_run
  inputs = {}
  for index, ref in enumerate(refs):
    inputs.setdefault(f'input_{index % 5}', []).append(tfx_artifact(ref))
  report = Report()
  report.uri = os.path.join(root, 'pipeline', 'Report', 'report', '99')
  Executor().Do(inputs, {'report': [report]}, {'config': json.dumps(CONFIG)})
  assert report.get_int_custom_property('models') == 6
  assert report.get_int_custom_property('blessed') == 2
  return report.uri
