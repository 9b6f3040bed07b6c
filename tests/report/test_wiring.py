"""The Report node in create_pipeline: it reads every model's outputs, and the pipeline
still compiles for Kubeflow V2 (which rejects union channels)."""

import dataclasses
import json

import pytest

from tfx_distill.components.report.component import ReportComponent, input_channels
from tfx_distill.kubeflow.compile import compilable_resolvers
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.config import PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline


@pytest.fixture(scope='module')
def smoke_pipeline():
  config = config_lib.replace(config_lib.preset('smoke'), seeds=2)
  paths = PipelinePaths(pipeline_root='gs://bucket/root',
                        serving_root='gs://bucket/root/serving')
  return config, create_pipeline(config, paths)


def test_report_reads_every_model(smoke_pipeline):
  config, pipeline = smoke_pipeline
  report = [n for n in pipeline.components if n.id == 'Report']
  assert len(report) == 1 and isinstance(report[0], ReportComponent)
  keys = set(report[0].inputs)
  sets = ['full'] + [c.name for c in config.candidates]
  for name in sets:
    for seed in range(2):
      assert f'trainer_{name}_s{seed}__model_run' in keys
      assert f'trainer_{name}_s{seed}__model' in keys
      assert f'evaluator_{name}_s{seed}__evaluation' in keys
      assert f'evaluator_{name}_s{seed}__blessing' in keys
    assert f'pusher_{name}__pushed_model' in keys
  for candidate in config.candidates:
    assert f'distiller_{candidate.name}__distilled' in keys
    assert f'setpublisher_{candidate.name}__published_set' in keys
  assert 'ingest__examples' in keys
  assert not any(key.startswith('latestblessedfullmodel') for key in keys)
  recorded = json.loads(report[0].exec_properties['config'])
  assert recorded == json.loads(json.dumps({**dataclasses.asdict(config),
                                            'pipeline_name': config.pipeline_name}))
  assert set(input_channels(pipeline.components)) == keys


def test_compiles_for_kubeflow_v2(smoke_pipeline, tmp_path):
  kubeflow_v2_dag_runner = pytest.importorskip(
      'tfx.orchestration.kubeflow.v2.kubeflow_v2_dag_runner')
  _, pipeline = smoke_pipeline
  # As `tfx-distill compile` does: the DataGate's first-run-tolerant resolver compiles
  # as the LatestArtifactStrategy it extends.
  assert compilable_resolvers(pipeline) == ['LatestStatistics']
  runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
      config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(default_image='image'),
      output_dir=str(tmp_path), output_filename='job.json')
  runner.run(pipeline, write_out=True)
  job = json.loads((tmp_path / 'job.json').read_text())
  task = job['pipelineSpec']['root']['dag']['tasks']['Report']
  assert task['inputs']['artifacts']['evaluator_full_s1__evaluation'] == {
      'taskOutputArtifact': {'outputArtifactKey': 'evaluation',
                             'producerTask': 'Evaluator_full_s1'}}
