"""`compile --push-to vertex`: every Pusher also uploads what it pushed to the Vertex AI
Model Registry, labelled with its training set and accuracy, and one training set's
pushes can be deployed to an endpoint. Tested on the compiled spec and, short of the
cloud call, through TFX's container entry point (a model that was not blessed is
neither pushed nor uploaded). The upload and deployment themselves need a Google Cloud
project: not run here."""

import inspect
import json
import os

import pytest
from tfx.extensions.google_cloud_ai_platform import constants

from tfx_distill.components.pusher import vertex_registry
from tfx_distill.contracts import identity
from tfx_distill.pipeline import cli
from tests.kubeflow.vertex_launcher import VertexRun

ROOT = 'gs://tfx-distill-test/root'
REGISTRY_EXECUTOR = 'tfx_distill.components.pusher.executor.RegistryExecutor'
PLAIN_EXECUTOR = 'tfx_distill.components.pusher.executor.Executor'


def compile_cli(tmp_path, *args, target='vertex', root=ROOT):
  out = tmp_path / 'job.json'
  extra = ['--trainer-in-pipeline'] if target == 'vertex' else []
  code = cli.main(['compile', '--out', str(out), '--pipeline-root', root,
                   '--image', 'image:1', '--target', target] + extra + list(args))
  return code, (json.loads(out.read_text()) if code == 0 else None)


def pushers(job):
  """{Pusher task: (executor class path, custom_config, its task spec)}."""
  spec = job['pipelineSpec']
  found = {}
  for name, task in spec['root']['dag']['tasks'].items():
    if not name.startswith('Pusher_'):
      continue
    container = spec['deploymentSpec']['executors'][
        spec['components'][name]['executorLabel']]['container']
    args = container['args']
    custom = task['inputs']['parameters']['custom_config']['runtimeValue']['constant']
    found[name] = (args[args.index('--executor_class_path') + 1], json.loads(custom), task)
  return found


def test_every_pusher_uploads_with_its_training_set_and_accuracy(tmp_path):
  code, job = compile_cli(tmp_path, '--preset', 'demo', '--push-to', 'vertex',
                          '--project', 'p', '--region', 'europe-west4')
  assert code == 0
  found = pushers(job)
  assert set(found) == {'Pusher_full', 'Pusher_random_1', 'Pusher_random_50',
                        'Pusher_nfr_1', 'Pusher_nfr_50'}
  for task, (executor, custom, spec) in found.items():
    training_set = task[len('Pusher_'):]
    assert executor == REGISTRY_EXECUTOR
    assert custom[constants.ENABLE_VERTEX_KEY] is True
    assert custom[constants.VERTEX_REGION_KEY] == 'europe-west4'
    assert custom[constants.VERTEX_CONTAINER_IMAGE_URI_KEY] == (
        'europe-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest')
    assert custom[constants.SERVING_ARGS_KEY] == {'project': 'p'}  # no endpoint
    registry = custom[vertex_registry.REGISTRY_KEY]
    assert registry == {'display_name': f'tfx-distill-demo-sample-{training_set}',
                        'labels': {identity.TRAINING_SET: training_set,
                                   identity.PIPELINE: 'tfx-distill-demo-sample'}}
    assert 'code_version' in custom  # the cache key stays
    # The accuracy comes from the evaluation of the model it pushes.
    artifacts = spec['inputs']['artifacts']
    assert artifacts['model_evaluation']['taskOutputArtifact'] == {
        'producerTask': f'Evaluator_{training_set}_s0', 'outputArtifactKey': 'evaluation'}
    assert artifacts['model_blessing']['taskOutputArtifact']['producerTask'] == (
        f'Evaluator_{training_set}_s0')
    # Still pushed to the bucket first: the registry model points at that version.
    destination = json.loads(spec['inputs']['parameters']['push_destination'][
        'runtimeValue']['constant'])
    assert destination['filesystem']['base_directory'] == f'{ROOT}/serving/{training_set}'


def test_one_training_set_is_deployed_to_the_endpoint(tmp_path):
  code, job = compile_cli(tmp_path, '--push-to', 'vertex', '--project', 'p',
                          '--region', 'us-central1', '--vertex-endpoint', 'digits',
                          '--serving-machine-type', 'n1-standard-4',
                          '--serving-image', 'us-docker.pkg.dev/p/serving/tf:2.16')
  assert code == 0
  found = pushers(job)
  full = found.pop('Pusher_full')[1]
  assert full[constants.SERVING_ARGS_KEY] == {
      'project': 'p', 'endpoint_name': 'digits', 'machine_type': 'n1-standard-4',
      'min_replica_count': 1, 'max_replica_count': 1}
  assert full[constants.VERTEX_CONTAINER_IMAGE_URI_KEY] == (
      'us-docker.pkg.dev/p/serving/tf:2.16')
  for _, custom, _ in found.values():  # the distilled ones: registry only
    assert custom[constants.SERVING_ARGS_KEY] == {'project': 'p'}


def test_without_push_to_vertex_the_pushers_write_to_the_bucket_only(tmp_path):
  code, job = compile_cli(tmp_path)
  assert code == 0
  for executor, custom, spec in pushers(job).values():
    assert executor == PLAIN_EXECUTOR
    assert set(custom) == {'code_version'}
    assert 'model_evaluation' not in spec['inputs']['artifacts']


@pytest.mark.parametrize('args,message', [
    (('--vertex-endpoint', 'e'), '--vertex-endpoint is for --push-to vertex'),
    (('--push-to', 'vertex'), '--push-to vertex needs --project and --region'),
    (('--push-to', 'vertex', '--project', 'p', '--region', 'australia-southeast1'),
     'give --serving-image'),
    (('--push-to', 'vertex', '--project', 'p', '--region', 'us-central1',
      '--vertex-endpoint', 'e', '--vertex-endpoint-set', 'kip_50'),
     "'kip_50' is not a training set of this pipeline"),
])
def test_bad_registry_options_are_one_line_errors(tmp_path, capsys, args, message):
  code, _ = compile_cli(tmp_path, *args)
  err = capsys.readouterr().err
  assert code == 2 and message in err
  assert err.startswith('tfx-distill: error: ') and len(err.strip().splitlines()) == 1


def test_kubeflow_can_push_to_vertex(tmp_path):
  # From its gs:// pipeline root, the only kind a compiled pipeline takes.
  args = ('--push-to', 'vertex', '--project', 'p', '--region', 'us-central1')
  code, job = compile_cli(tmp_path, *args, target='kubeflow')
  assert code == 0
  assert {e for e, _, _ in pushers(job).values()} == {REGISTRY_EXECUTOR}


def test_labels_are_valid_vertex_labels():
  labels = vertex_registry.version_labels(
      {identity.TRAINING_SET: 'nfr_50', identity.PIPELINE: 'tfx-distill'}, 0.98234,
      '1764120000')
  assert labels == {'training_set': 'nfr_50', 'pipeline_name': 'tfx-distill',
                    'accuracy_percent': '98_23', 'pushed_version': '1764120000'}
  assert vertex_registry.accuracy_label(None) == 'unknown'
  assert vertex_registry.label_value('Kip.Set 0') == 'kip_set_0'
  for key, value in labels.items():  # Vertex: [a-z][a-z0-9_-]{0,62}, values [a-z0-9_-]
    assert key[0].islower() and len(key) <= 63 and len(value) <= 63
    assert all(c.islower() or c.isdigit() or c in '_-' for c in key + value)


def test_the_sdk_calls_take_these_arguments():
  """The keyword arguments vertex_registry passes exist in the installed SDK (locally
  google-cloud-aiplatform 1.165; the image has 1.70)."""
  from google.cloud import aiplatform  # pylint: disable=g-import-not-at-top
  upload = inspect.signature(aiplatform.Model.upload).parameters
  for name in ('display_name', 'artifact_uri', 'serving_container_image_uri',
               'parent_model', 'is_default_version', 'labels', 'description',
               'version_description', 'sync'):
    assert name in upload, name
  deploy = inspect.signature(aiplatform.Model.deploy).parameters
  for name in ('endpoint', 'deployed_model_display_name', 'traffic_percentage',
               'machine_type', 'min_replica_count', 'max_replica_count', 'sync'):
    assert name in deploy, name
  assert 'deployed_model_id' in inspect.signature(aiplatform.Endpoint.undeploy).parameters
  assert isinstance(aiplatform.Model.versioned_resource_name, property)


def test_a_model_not_blessed_is_not_uploaded(tmp_path, image):
  """The compiled Pusher task through the entry point, in the image, on a blessing that
  says no:
  nothing is pushed, nothing is uploaded (no cloud call is attempted, none could
  succeed here), and the PushedModel says so."""
  code, job = compile_cli(tmp_path, '--push-to', 'vertex', '--project', 'p',
                          '--region', 'europe-west4')
  assert code == 0
  run = VertexRun(job, str(tmp_path / 'root'), 'tfx-distill-1', {}, image=image)
  model = tmp_path / 'model'
  os.makedirs(model / 'Format-Serving')
  blessing = tmp_path / 'blessing'
  os.makedirs(blessing)
  (blessing / 'NOT_BLESSED').write_text('')
  run.seed('Trainer_full_s0', 'model', str(model))
  run.seed('Evaluator_full_s0', 'blessing', str(blessing), {'blessed': 0})
  run.seed('Evaluator_full_s0', 'evaluation', str(tmp_path / 'evaluation'))
  output = run.run('Pusher_full', skipped=list(job['pipelineSpec']['root']['dag']['tasks']))
  pushed = output['Pusher_full']['artifacts']['pushed_model']['artifacts'][0]['metadata']
  assert pushed['pushed'] == 0
  assert vertex_registry.VERTEX_MODEL not in pushed
