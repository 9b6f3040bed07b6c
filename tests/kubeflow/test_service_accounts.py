"""A first run on Google Cloud needs the right service accounts (issue 18, defect 6):
Dataflow's workers run as a service account given on the command line, and `compile`
says which roles which account needs, including iam.serviceAccountUser on the accounts
the Trainer CustomJobs and the Dataflow workers run as (without it a run fails at its
first Trainer or Dataflow step, long after submission). Whether the roles suffice can
only be seen in a real project."""

import json

from tfx_distill.pipeline import cli

ROOT = 'gs://tfx-distill-test/root'
TRAINING_SA = 'trainer@p.iam.gserviceaccount.com'
DATAFLOW_SA = 'dataflow@p.iam.gserviceaccount.com'


def compile_cli(tmp_path, capsys, *args):
  out = tmp_path / 'job.json'
  code = cli.main(['compile', '--out', str(out), '--pipeline-root', ROOT,
                   '--project', 'p', '--region', 'europe-west4'] + list(args))
  captured = capsys.readouterr()
  return code, (json.loads(out.read_text()) if code == 0 else None), captured


def beam_args(job, task):
  spec = job['pipelineSpec']
  return spec['deploymentSpec']['executors'][
      spec['components'][task]['executorLabel']]['container']['args']


def test_dataflow_workers_run_as_the_given_service_account(tmp_path, capsys):
  code, job, _ = compile_cli(tmp_path, capsys, '--target', 'vertex', '--beam',
                             'dataflow', '--dataflow-service-account', DATAFLOW_SA)
  assert code == 0
  for task in ('StatisticsGen', 'ExampleValidator', 'Evaluator_full_s0'):
    args = beam_args(job, task)
    assert f'--service_account_email={DATAFLOW_SA}' in args, task
    assert '--runner=DataflowRunner' in args


def test_compile_names_the_roles_each_account_needs(tmp_path, capsys):
  code, _, captured = compile_cli(
      tmp_path, capsys, '--target', 'vertex', '--service-account', TRAINING_SA,
      '--beam', 'dataflow', '--dataflow-service-account', DATAFLOW_SA)
  assert code == 0
  lines = [line.strip() for line in captured.out.splitlines()]
  assert 'pipeline SA: roles/aiplatform.user' in lines
  assert (f'pipeline SA: roles/iam.serviceAccountUser on {TRAINING_SA} (the Trainer '
          'CustomJobs run as it)') in lines
  assert f'{TRAINING_SA}: roles/storage.objectAdmin on gs://tfx-distill-test' in lines
  assert (f'pipeline SA: roles/dataflow.developer; roles/iam.serviceAccountUser on '
          f'{DATAFLOW_SA}') in lines
  assert any(line.startswith(f'{DATAFLOW_SA}: roles/dataflow.worker') for line in lines)


def test_without_dataflow_or_vertex_training_fewer_roles(tmp_path, capsys):
  code, _, captured = compile_cli(tmp_path, capsys, '--target', 'kubeflow',
                                  '--image', 'image:1')
  assert code == 0
  needs = [line.strip() for line in captured.out.splitlines() if line.startswith('  ')]
  assert needs == ['pipeline SA: roles/storage.objectAdmin on gs://tfx-distill-test']


def test_bad_dataflow_service_accounts_are_one_line_errors(tmp_path, capsys):
  for args, message in (
      (('--beam', 'dataflow', '--dataflow-service-account', 'dataflow'),
       'the service account must be an email'),
      (('--dataflow-service-account', DATAFLOW_SA), 'is for --beam dataflow')):
    code, _, captured = compile_cli(tmp_path, capsys, '--target', 'vertex',
                                    '--trainer-in-pipeline', *args)
    assert code == 2 and message in captured.err
    assert captured.err.startswith('tfx-distill: error: ')
    assert len(captured.err.strip().splitlines()) == 1
