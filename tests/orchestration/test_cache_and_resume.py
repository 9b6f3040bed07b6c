"""Caching and recovery of local runs, counted from ML Metadata: four smoke runs (one
random candidate) on one pipeline root, as a user runs them (the CLI in a subprocess).

1. a fresh run executes every node;
2. the same run again reuses everything except what depends on the new baseline (the
   first run's full model is now the latest blessed one);
3. the full Trainer's epochs changed, the run killed (SIGKILL) during that Trainer;
4. the same changed run again: it completes, re-executes the Trainer and only what is
   downstream of it, and the models pushed by runs 1-2 are untouched.

Each finished run's `report:` line names the report of that run.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tfx_distill.components.report import mlmd
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.local_runner import local_paths
from tfx_distill.pipeline.pipeline import create_pipeline
from tests.run_history import runs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Without full_same_steps: caching and resuming do not depend on which sets train.
RUN = [sys.executable, '-m', 'tfx_distill.pipeline.cli', 'run', '--preset', 'smoke',
       '--candidates', 'random:1', '--no-equal-work-baseline', '--architectures=']
CHANGED_EPOCHS = 12  # long enough a Trainer (~15 s) to kill it 5 s after it starts
KILLED_NODE = 'Trainer_full_s0'


def env():
  return dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')


def run_cli(root, *extra):
  """Runs the CLI; returns the report its `report:` line names."""
  result = subprocess.run(RUN + ['--pipeline-root', root, *extra], capture_output=True,
                          text=True, timeout=1200, env=env(), cwd=REPO)
  assert result.returncode == 0, result.stderr[-3000:]
  (report,) = [line.split(': ', 1)[1] for line in result.stdout.splitlines()
               if line.startswith('report: ')]
  return report


def files_with_hashes(directory):
  found = {}
  for parent, _, files in os.walk(directory):
    for name in files:
      path = os.path.join(parent, name)
      with open(path, 'rb') as f:
        found[os.path.relpath(path, directory)] = hashlib.sha256(f.read()).hexdigest()
  return found


def node_states(root):
  """[{node id: state name}] of every run on `root`, oldest first."""
  return [{node: execution.state for node, execution in run.items()}
          for run in runs(local_paths(root).metadata_path)]


def execution_dirs(root, node, key='model'):
  directory = os.path.join(local_paths(root).pipeline_root, node, key)
  return set(os.listdir(directory)) if os.path.isdir(directory) else set()


def run_and_kill_during(root, node, *extra):
  """Starts a run, kills its whole process group once `node` has started and is still
  training; returns the uri of the killed node's model."""
  before = execution_dirs(root, node)
  proc = subprocess.Popen(RUN + ['--pipeline-root', root, *extra],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=env(), cwd=REPO, start_new_session=True)
  try:
    deadline = time.time() + 900
    while not execution_dirs(root, node) - before:
      assert proc.poll() is None, f'run ended (rc {proc.returncode}) before {node}'
      assert time.time() < deadline, f'{node} did not start'
      time.sleep(0.5)
    time.sleep(5)  # into fit: imports and data reading take longer than that
    assert proc.poll() is None, f'run ended (rc {proc.returncode}) during {node}'
  finally:
    if proc.poll() is None:
      os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
  (new,) = execution_dirs(root, node) - before
  return os.path.join(local_paths(root).pipeline_root, node, 'model', new)


@pytest.fixture(scope='module')
def history(tmp_path_factory):
  root = str(tmp_path_factory.mktemp('orchestration'))
  printed = [run_cli(root), run_cli(root)]
  pushed = files_with_hashes(local_paths(root).serving_root)
  changed = ('--epochs', str(CHANGED_EPOCHS))
  killed_model = run_and_kill_during(root, KILLED_NODE, *changed)
  killed_states = node_states(root)[-1]
  printed.append(run_cli(root, *changed))
  return {'root': root, 'runs': node_states(root), 'pushed_before_kill': pushed,
          'killed_model': killed_model, 'killed_states': killed_states,
          'printed_reports': printed}


def pipeline_graph():
  """{node id: ids of the nodes downstream of it, transitively}, and the resolvers."""
  config = config_lib.replace(config_lib.preset('smoke'),
                              candidates=(config_lib.Candidate('random', 1),),
                              equal_work_baseline=False, transfer='')
  pipeline = create_pipeline(config, local_paths('/tmp/unused'))
  downstream = {}
  for node in pipeline.components:
    seen, todo = set(), list(node.downstream_nodes)
    while todo:
      child = todo.pop()
      if child.id not in seen:
        seen.add(child.id)
        todo += child.downstream_nodes
    downstream[node.id] = seen
  resolvers = {n.id for n in pipeline.components if 'Resolver' in type(n).__name__}
  return downstream, resolvers


def executed(states, resolvers):
  """Nodes that ran (COMPLETE) and nodes reused (CACHED); resolvers always 'run'."""
  ran = {n for n, s in states.items() if s == 'COMPLETE' and n not in resolvers}
  reused = {n for n, s in states.items() if s == 'CACHED'}
  return ran, reused


def test_first_run_executes_every_node(history):
  downstream, resolvers = pipeline_graph()
  first = history['runs'][0]
  assert set(first) == set(downstream)
  ran, reused = executed(first, resolvers)
  assert ran == set(downstream) - resolvers and not reused


def test_identical_rerun_reexecutes_only_what_the_new_baseline_changes(history):
  downstream, resolvers = pipeline_graph()
  ran, reused = executed(history['runs'][1], resolvers)
  # The full model's Evaluator now gets a baseline (the first run's blessed full model,
  # which had none), so it, the Pusher of its blessing and the Report run again; so
  # does the drift check (the first run's statistics are its baseline now) and the
  # DataGate that reads it.
  assert ran == {'Evaluator_full_s0', 'Pusher_full', 'Report',
                 'DistributionValidator_drift', 'DataGate'}
  assert reused == set(downstream) - resolvers - ran
  assert 'Ingest' in reused and 'Trainer_full_s0' in reused


def test_killed_run_stopped_inside_the_trainer(history):
  states = history['killed_states']
  assert states[KILLED_NODE] == 'RUNNING'
  assert not any(node.startswith(('Evaluator', 'Pusher', 'Report')) for node in states)
  assert not os.path.exists(os.path.join(history['killed_model'], 'Format-Serving'))
  for node in ('Ingest', 'StatisticsGen', 'Distiller_random_1'):
    assert states[node] == 'CACHED', (node, states)


def test_resumed_run_reuses_all_but_the_changed_trainer_and_its_downstream(history):
  downstream, resolvers = pipeline_graph()
  assert len(history['runs']) == 4
  ran, reused = executed(history['runs'][3], resolvers)
  assert ran == {KILLED_NODE} | downstream[KILLED_NODE]
  assert reused == set(downstream) - resolvers - ran
  assert {'Evaluator_random_1_s0', 'Pusher_full', 'Report'} <= ran  # sanity of the graph


def test_resumed_run_leaves_earlier_pushed_models_intact(history):
  before = history['pushed_before_kill']
  after = files_with_hashes(local_paths(history['root']).serving_root)
  assert before and any(path.startswith('full/') for path in before)
  assert {path: after.get(path) for path in before} == before


def test_each_run_prints_its_own_report(history):
  metadata_path = local_paths(history['root']).metadata_path
  store = mlmd.connect(metadata_path)
  names = [c.name for c in sorted(store.get_contexts_by_type(mlmd.PIPELINE_RUN),
                                  key=lambda c: (c.create_time_since_epoch, c.id))]
  reports = [mlmd.report_index(metadata_path, name) for name in names]
  assert reports[2] is None  # the killed run made none
  assert history['printed_reports'] == [reports[0], reports[1], reports[3]]
  assert len(set(history['printed_reports'])) == 3
  assert all(os.path.exists(report) for report in history['printed_reports'])
