"""A Vertex AI CustomJob run on this machine (see sitecustomize.py). Standard library,
absl and TFX only: it runs inside the image's interpreter, where `tests` is not
importable."""

import json
import os
import socket
import subprocess
import sys
import time

TASK_TYPES = ('chief', 'worker', 'ps', 'evaluator')  # Vertex's pool order
TIMEOUT = 600
WAIT_SECONDS = 300


def free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for sock in sockets:
    sock.bind(('127.0.0.1', 0))
  ports = [sock.getsockname()[1] for sock in sockets]
  for sock in sockets:
    sock.close()
  return ports


def run_in_this_process(command, tf_config):
  """A job of one replica: its container command (`python -m tfx.scripts.run_executor
  ARGS`) run in this process, as `python -m` would run it (same interpreter, working
  directory and arguments, with the TF_CONFIG Vertex sets), which saves a start-up of
  TensorFlow; multi-replica jobs start a process per replica."""
  assert command[1:3] == ['-m', 'tfx.scripts.run_executor'], command[:3]
  from tfx.scripts import run_executor  # pylint: disable=g-import-not-at-top
  os.environ['TF_CONFIG'] = tf_config
  try:
    run_executor.main(run_executor.parse_flags([command[2]] + command[3:]))
  finally:
    del os.environ['TF_CONFIG']
  print('local CustomJob: replica chief 0 exited with 0 (in the task\'s process)',
        file=sys.stderr, flush=True)


def run_custom_job(project, training_job, enable_vertex, vertex_region):
  """TFX's runner._launch_cloud_training, here: runs the job's replicas as processes."""
  del project, enable_vertex, vertex_region
  pools = training_job['job_spec']['worker_pool_specs']
  tasks = [(TASK_TYPES[i], r, pool) for i, pool in enumerate(pools)
           for r in range(pool['replica_count'])]
  if len(tasks) == 1 and os.environ.get('REPLICAS_IN_PROCESS') == '1':
    run_in_this_process(list(tasks[0][2]['container_spec']['command']), json.dumps(
        {'cluster': {'chief': ['127.0.0.1:0']}, 'task': {'type': 'chief', 'index': 0},
         'environment': 'cloud'}))
    return
  ports = iter(free_ports(len(tasks)))
  cluster = {}
  for task_type, _, _ in tasks:
    cluster.setdefault(task_type, []).append(f'127.0.0.1:{next(ports)}')
  log_dir = os.environ.get('REPLICA_LOG_DIR', '')
  chief_last = os.environ.get('CHIEF_LAST') == '1' and len(tasks) > 1
  others_done = os.path.join(log_dir or os.getcwd(), f'.workers-exited-{os.getpid()}')
  started = []
  for task_type, index, pool in tasks:
    command = list(pool['container_spec']['command'])
    if command[0] == 'python':
      command[0] = sys.executable  # `python` in the image
    env = {key: value for key, value in os.environ.items()
           if key not in ('TF_CONFIG', 'LOCAL_CUSTOM_JOB', 'CHIEF_LAST')}
    env['TF_CONFIG'] = json.dumps({'cluster': cluster,
                                   'task': {'type': task_type, 'index': index},
                                   'environment': 'cloud'})
    if chief_last and task_type == 'chief':
      env['EXPORT_AFTER'] = others_done
    out = (open(os.path.join(log_dir, f'{task_type}-{index}.log'), 'w', encoding='utf-8')
           if log_dir else None)
    started.append((task_type, index, pool['container_spec'].get('image_uri'),
                    subprocess.Popen(command, env=env, stdout=out,
                                     stderr=subprocess.STDOUT if out else None)))
  failed = []
  try:
    for task_type, index, _, process in sorted(started, key=lambda t: t[0] == 'chief'):
      if task_type == 'chief' and chief_last:
        open(others_done, 'w').close()
      process.wait(timeout=TIMEOUT)
      print(f'local CustomJob: replica {task_type} {index} exited with '
            f'{process.returncode}', file=sys.stderr, flush=True)
      if process.returncode:
        failed.append((task_type, index, process.returncode))
  finally:
    for _, _, _, process in started:
      if process.poll() is None:
        process.kill()
  if failed:  # Vertex fails the CustomJob, and TFX's executor raises
    raise RuntimeError(f'CustomJob failed: replicas {failed}')


def install():
  """Routes TFX's Vertex training through run_custom_job (no Vertex API client)."""
  from tfx.extensions.google_cloud_ai_platform import runner, training_clients  # pylint: disable=g-import-not-at-top
  training_clients.VertexJobClient.create_client = lambda self: None
  runner._launch_cloud_training = run_custom_job  # pylint: disable=protected-access


def export_after(path):
  """Delays this replica's model export until `path` exists."""
  from tfx_distill.trainer import export  # pylint: disable=g-import-not-at-top
  export_fn = export.export_serving_model

  def delayed(*args, **kwargs):
    deadline = time.monotonic() + WAIT_SECONDS
    while not os.path.exists(path) and time.monotonic() < deadline:
      time.sleep(0.2)
    return export_fn(*args, **kwargs)
  export.export_serving_model = delayed
