"""What Vertex AI Pipelines does for one task of a compiled PipelineJob, here: builds the
task's ExecutorInput from the spec (its parameters: constants, or the run's parameter
values for `componentInputParameter`s; its input artifacts: the outputs its producer
tasks reported; its output artifacts: fresh URIs under the pipeline root, typed as the
component declares them), then runs the task's container command and args, with the
ExecutorInput in place of `{{$}}`, in a subprocess started as the image starts it
(tests/kubeflow/image.py: `python` is the image's interpreter, with the package
installed from its wheel, run from the image's working directory with its ENV), or,
with `forked=True`, forked from a server started in the same way that has imported
the entry point (tests/kubeflow/step_server.py), and reads back the ExecutorOutput the
entry point wrote. `run_all` runs every task of the job in dependency order, two at a
time.

The bucket: the spec's gs:// paths (the pipeline root the job was compiled for, hence
the serving and published-set roots) stand for a local folder: every parameter value
under `bucket` is rewritten to it.

Trainers that run as Vertex AI CustomJobs: their task starts with tests/kubeflow/
vertex_sim/ on PYTHONPATH, whose `sitecustomize` runs the CustomJob TFX builds on this
machine (every replica's container command, from the same working directory and
interpreter, with TF_CONFIG) instead of submitting it (a job of one replica in the
task's own process with `replica_processes=False`, which saves a TensorFlow start-up a
Trainer; tests/trainer/test_vertex_replicas.py runs a chief and a worker as processes).

Output URIs follow Vertex's layout, `<pipeline root>/<project number>/<job>/<task>_<task
id>/<output key>`; output artifacts start with no metadata (open-source KFP's driver
copies the output definition's metadata into them; whether Vertex does is not
documented, so what a query needs must be written by the step itself). No container
is started.

Resolver tasks (no container: Vertex runs their artifact queries itself) are resolved
against a `VertexMetadata`, a local ML Metadata store holding every artifact the runs
sharing it produced, as Vertex's metadata store holds them: resource name, schema
title, uri and the metadata the entry point reported. A query's filter (the AIP-160
subset the Kubeflow V2 compiler writes) is translated clause by clause into an ML
Metadata filter; a clause it cannot translate fails the test instead of being dropped.
Of the matching artifacts the latest created is taken.
"""

import atexit
import hashlib
import itertools
import json
import os
import re
import subprocess
import tempfile
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import yaml
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.extensions.google_cloud_ai_platform.constants import ENABLE_VERTEX_KEY

from tests.kubeflow.image import Image
from tests.kubeflow.step_server import StepServer

PROJECT_NUMBER = '123456789'
VERTEX_SIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vertex_sim')
# Run placeholders Vertex replaces in parameter values (kfp.dsl's *_PLACEHOLDER).
JOB_ID_PLACEHOLDER = '{{$.pipeline_job_uuid}}'
ARTIFACTS = 'projects/p/locations/europe-west4/metadataStores/default/artifacts'


def schema_title(artifact_type: Dict[str, Any]) -> str:
  """The schema title of a RuntimeArtifact's or an output definition's artifactType."""
  if 'schemaTitle' in artifact_type:
    return artifact_type['schemaTitle']
  return yaml.safe_load(artifact_type['instanceSchema'])['title']


# One clause of a compiled query -> an ML Metadata filter clause.
_CLAUSES = (
    (re.compile(r'^schema_title="([^"]+)"$'), "type = '{}'"),
    (re.compile(r'^state=(LIVE)$'), 'state = {}'),
    (re.compile(r'^name="([^"]+)"$'), "name = '{}'"),
    (re.compile(r'^metadata\.(\w+)\.number_value=([-0-9.]+)$'),
     'custom_properties.{}.double_value = {}'),
    (re.compile(r'^metadata\.(\w+)\.string_value="([^"]*)"$'),
     "custom_properties.{}.string_value = '{}'"),
)


def mlmd_filter(query: str) -> str:
  """A compiled artifact query ('schema_title="tfx.Model" AND state=LIVE AND ...') as
  an ML Metadata filter_query; ValueError for a clause it does not know."""
  clauses = []
  for clause in query.split(' AND '):
    for pattern, template in _CLAUSES:
      match = pattern.match(clause.strip())
      if match:
        clauses.append(template.format(*match.groups()))
        break
    else:
      raise ValueError(f'cannot emulate the query clause {clause!r} of {query!r}')
  return ' AND '.join(clauses)


class VertexMetadata:
  """The metadata store of a Vertex project, here an ML Metadata store in memory:
  every artifact recorded (as the entry point reported it), and artifact queries."""

  def __init__(self):
    config = metadata_store_pb2.ConnectionConfig()
    config.fake_database.SetInParent()
    self.store = metadata_store.MetadataStore(config)
    self._runtime: Dict[int, Dict[str, Any]] = {}  # MLMD id -> the RuntimeArtifact

  def record(self, artifact: Dict[str, Any]) -> None:
    """Records a RuntimeArtifact (name, type, uri, metadata), LIVE."""
    type_id = self.store.put_artifact_type(
        metadata_store_pb2.ArtifactType(name=schema_title(artifact['type'])))
    stored = metadata_store_pb2.Artifact(type_id=type_id, uri=artifact['uri'],
                                         name=artifact['name'],
                                         state=metadata_store_pb2.Artifact.LIVE)
    for key, value in artifact.get('metadata', {}).items():
      if isinstance(value, bool):
        stored.custom_properties[key].bool_value = value
      elif isinstance(value, (int, float)):
        stored.custom_properties[key].double_value = value
      elif isinstance(value, str):
        stored.custom_properties[key].string_value = value
    [artifact_id] = self.store.put_artifacts([stored])
    self._runtime[artifact_id] = artifact

  def query(self, query: str) -> Optional[Dict[str, Any]]:
    """The latest created artifact that matches a compiled query, or None."""
    found = self.store.get_artifacts(list_options=metadata_store.ListOptions(
        filter_query=mlmd_filter(query), limit=1, is_asc=False,
        order_by=metadata_store.OrderByField.CREATE_TIME))
    return self._runtime[found[0].id] if found else None


class VertexRun:
  """One run of a compiled job: the parameter values of the run and every artifact the
  tasks run so far have produced, keyed by (task, output key) (None: a resolver task
  that found nothing). Runs sharing a `metadata` store see each other's artifacts in
  their resolver tasks."""

  def __init__(self, job: Dict[str, Any], pipeline_root: str, job_name: str,
               parameter_values: Dict[str, Any],
               metadata: Optional[VertexMetadata] = None,
               image: Optional[Image] = None,
               bucket: Optional[Dict[str, str]] = None,
               replica_processes: bool = True, forked: bool = False):
    """image: the image the tasks run in (required to run container tasks); bucket:
    {gs:// prefix of the spec: the local folder standing for it}; forked: container
    tasks start as forks of a server that has imported their entry point
    (tests/kubeflow/step_server.py; one server per entry point and environment in a
    test process, shared by its runs), but for the first of each, which starts fresh."""
    self.job = job
    self.spec = job['pipelineSpec']
    self.job_name = job_name
    self.root = os.path.join(pipeline_root, PROJECT_NUMBER, job_name)
    # The PipelineJob's runtimeConfig, overridden as at submission.
    self.parameters = {**job['runtimeConfig'].get('parameterValues', {}),
                       **parameter_values}
    self.metadata = metadata
    self.image = image
    self.bucket = dict(bucket or {})
    self.replica_processes = replica_processes
    self.forked = forked
    self.job_id = uuid.uuid4().hex
    self.produced: Dict[Tuple[str, str], Optional[Dict[str, Any]]] = {}
    self.parameter_outputs: Dict[Tuple[str, str], Any] = {}
    self.logs: Dict[str, str] = {}  # task: its output, as the console shows it
    self.seconds: Dict[str, float] = {}  # task: its wall time
    self._ids = itertools.count(1)

  def component(self, task_name: str) -> Dict[str, Any]:
    task = self.spec['root']['dag']['tasks'][task_name]
    return self.spec['components'][task['componentRef']['name']]

  def executor(self, task_name: str) -> Dict[str, Any]:
    return self.spec['deploymentSpec']['executors'][
        self.component(task_name)['executorLabel']]

  def _record(self, task_name: str, key: str, artifact: Optional[Dict[str, Any]]):
    self.produced[(task_name, key)] = artifact
    if artifact is not None and self.metadata is not None:
      self.metadata.record(artifact)

  def seed(self, task_name: str, key: str, uri: str,
           metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Takes an artifact made elsewhere (e.g. by a local run) as the output `key` of
    `task_name`, as if the task had run (a cached task's output, for Vertex); returns
    it as a RuntimeArtifact."""
    declared = self.component(task_name)['outputDefinitions']['artifacts'][key]
    artifact = {'name': f'{ARTIFACTS}/{self.job_name}-{task_name}-{key}',
                'type': declared['artifactType'], 'uri': uri,
                'metadata': dict(metadata or {})}
    self._record(task_name, key, artifact)
    return artifact

  def _input_artifacts(self, task_name: str) -> Dict[str, List[Dict[str, Any]]]:
    """{input key: the artifacts the task gets} (an empty list when the producer was
    a resolver that found nothing)."""
    task = self.spec['root']['dag']['tasks'][task_name]
    artifacts = {}
    for key, value in task.get('inputs', {}).get('artifacts', {}).items():
      source = value['taskOutputArtifact']
      produced = self.produced[(source['producerTask'], source['outputArtifactKey'])]
      artifacts[key] = [produced] if produced is not None else []
    return artifacts

  def resolve(self, *task_names: str) -> Dict[str, Optional[Dict[str, Any]]]:
    """Runs resolver tasks, in order: each artifact query, its placeholders filled from
    the task's input artifacts, against the metadata store; returns {task: the
    artifact found or None}."""
    assert self.metadata is not None, 'resolver tasks need a VertexMetadata'
    found = {}
    for name in task_names:
      inputs = self._input_artifacts(name)
      queries = self.executor(name)['resolver']['outputArtifactQueries']
      for key, query in queries.items():
        text, missing = query['filter'], False
        for placeholder, input_key, field in re.findall(
            r"(\{\{\$\.inputs\.artifacts\['(\w+)'\]\.metadata\['(\w+)'\]\}\})", text):
          if not inputs[input_key]:
            missing = True  # no input artifact: nothing to look for
            break
          text = text.replace(placeholder, str(inputs[input_key][0]['metadata'][field]))
        artifact = None if missing else self.metadata.query(text)
        self.produced[(name, key)] = artifact
        found[name] = artifact
    return found

  def parameter_values(self, task_name: str) -> Dict[str, Any]:
    """The task's input parameters as Vertex resolves them: constants (with the run's
    placeholders replaced), the run's parameter values, other tasks' output
    parameters."""
    task = self.spec['root']['dag']['tasks'][task_name]
    parameters = {}
    for key, value in task.get('inputs', {}).get('parameters', {}).items():
      if 'componentInputParameter' in value:
        parameters[key] = self.parameters[value['componentInputParameter']]
      elif 'taskOutputParameter' in value:
        source = value['taskOutputParameter']
        parameters[key] = self.parameter_outputs[(source['producerTask'],
                                                  source['outputParameterKey'])]
      else:
        constant = value['runtimeValue']['constant']
        parameters[key] = (self._local(constant.replace(JOB_ID_PLACEHOLDER, self.job_id))
                           if isinstance(constant, str) else constant)
    return parameters

  def _local(self, text: str) -> str:
    """A parameter value with the bucket's gs:// prefixes standing for local folders."""
    for prefix, folder in self.bucket.items():
      text = text.replace(prefix, folder)
    return text

  def cache_key(self, task_name: str) -> str:
    """What a task's cache key is made of, hashed as open-source KFP does it
    (backend/src/v2/cacheutils: the input artifacts' names, the input parameters'
    values, the outputs and the container's command, args and image); Vertex's is not
    published. Equal keys: the task is taken from the cache."""
    component = self.component(task_name)
    key = {
        'artifacts': {key: [a['name'] for a in found]
                      for key, found in self._input_artifacts(task_name).items()},
        'parameters': self.parameter_values(task_name),
        'outputs': component.get('outputDefinitions', {}),
        'container': self.executor(task_name).get('container', {}),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()

  def executor_input(self, task_name: str) -> Dict[str, Any]:
    component = self.component(task_name)
    parameters = self.parameter_values(task_name)
    artifacts = {key: {'artifacts': found}
                 for key, found in self._input_artifacts(task_name).items()}
    task_dir = os.path.join(self.root, f'{task_name}_{next(self._ids)}')
    outputs = {key: {'artifacts': [{
        'name': f'{ARTIFACTS}/{self.job_name}-{task_name}-{key}',
        'type': output['artifactType'], 'uri': os.path.join(task_dir, key),
        'metadata': {}}]}
               for key, output in component.get('outputDefinitions', {})
               .get('artifacts', {}).items()}
    output_parameters = {
        key: {'outputFile': os.path.join(task_dir, 'parameters', key)}
        for key in component.get('outputDefinitions', {}).get('parameters', {})}
    return {'inputs': {'parameterValues': parameters, 'artifacts': artifacts},
            'outputs': {'artifacts': outputs, 'parameters': output_parameters,
                        'outputFile': os.path.join(task_dir, 'executor_output.json')}}

  def command(self, task_name: str, executor_input: Dict[str, Any]) -> list:
    """The task's container command and args as Vertex starts them (`python`: the
    image's interpreter)."""
    assert self.image is not None, 'container tasks run in an image (tests/kubeflow/image.py)'
    container = self.executor(task_name)['container']
    command = list(container['command'])
    if command[0] == 'python':
      command[0] = self.image.interpreter
    serialized = json.dumps(executor_input)
    return command + [serialized if arg == '{{$}}' else arg for arg in container['args']]

  def trains_on_vertex(self, task_name: str) -> bool:
    """Whether the task is a Trainer whose executor submits a Vertex CustomJob."""
    config = self.parameter_values(task_name).get('custom_config', '')
    return isinstance(config, str) and f'"{ENABLE_VERTEX_KEY}": true' in config

  def start(self, name: str, skipped=()) -> Tuple[Dict[str, Any], subprocess.Popen]:
    """Starts a container task whose upstream tasks have run (or are in `skipped`:
    tasks whose outputs it does not read)."""
    task = self.spec['root']['dag']['tasks'][name]
    waiting = (set(task.get('dependentTasks', [])) - set(skipped)
               - {t for t, _ in self.produced})
    assert not waiting, f'{name} waits for {sorted(waiting)}'
    executor_input = self.executor_input(name)
    task_dir = os.path.dirname(executor_input['outputs']['outputFile'])
    os.makedirs(task_dir, exist_ok=True)
    extra = {'TF_CPP_MIN_LOG_LEVEL': '3'}
    if self.trains_on_vertex(name):
      extra.update(PYTHONPATH=VERTEX_SIM, LOCAL_CUSTOM_JOB='1',
                   REPLICAS_IN_PROCESS='0' if self.replica_processes else '1')
    self.logs[name] = os.path.join(task_dir, 'task.log')
    self.seconds[name] = -time.monotonic()
    command, env = self.command(name, executor_input), self.image.environ(**extra)
    server = (_server(self.image, command[2], extra)
              if self.forked and command[:2] == [self.image.interpreter, '-m'] else None)
    with open(self.logs[name], 'w', encoding='utf-8') as log:
      if server is not None:
        return executor_input, server.start(command[3:], env, self.logs[name])
      process = subprocess.Popen(command, cwd=self.image.workdir, env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
    return executor_input, process

  def finish(self, name: str, executor_input: Dict[str, Any],
             process: subprocess.Popen, timeout: int = 900) -> Dict[str, Any]:
    """Waits for a started task; records its outputs for the tasks downstream; returns
    its ExecutorOutput."""
    process.wait(timeout=timeout)
    self.seconds[name] += time.monotonic()
    with open(self.logs[name], encoding='utf-8') as log:
      assert process.returncode == 0, (name, log.read()[-4000:])
    with open(executor_input['outputs']['outputFile'], encoding='utf-8') as handle:
      output = json.load(handle)
    for key in executor_input['outputs']['parameters']:
      self.parameter_outputs[(name, key)] = output['parameterValues'][key]
    for key, declared in executor_input['outputs']['artifacts'].items():
      reported = output.get('artifacts', {}).get(key, {}).get('artifacts', [{}])[0]
      self._record(name, key, {**declared['artifacts'][0], **reported,
                               'type': declared['artifacts'][0]['type']})
    return output

  def run(self, *task_names: str, skipped=(), timeout: int = 900) -> Dict[str, Any]:
    """Runs tasks whose upstream tasks have run (or are in `skipped`) side by side, as
    Vertex does with independent tasks; returns {task: its ExecutorOutput}, and records
    their output artifacts for the tasks downstream."""
    started = {name: self.start(name, skipped) for name in task_names}
    try:
      return {name: self.finish(name, *started[name], timeout=timeout)
              for name in task_names}
    finally:
      for _, process in started.values():
        if process.poll() is None:
          process.kill()

  def upstream(self, task_name: str) -> set:
    """The tasks a task waits for: its dependent tasks and the producers of its input
    artifacts and parameters."""
    task = self.spec['root']['dag']['tasks'][task_name]
    found = set(task.get('dependentTasks', []))
    for value in task.get('inputs', {}).get('artifacts', {}).values():
      found.add(value['taskOutputArtifact']['producerTask'])
    for value in task.get('inputs', {}).get('parameters', {}).values():
      if 'taskOutputParameter' in value:
        found.add(value['taskOutputParameter']['producerTask'])
    return found

  def run_all(self, parallel: int = 2, timeout: int = 900) -> List[str]:
    """Runs every task of the job in dependency order, as Vertex does: resolver tasks
    against the metadata store, container tasks `parallel` at a time, each as soon as
    its upstream tasks are done; returns the task names in the order they finished."""
    tasks = self.spec['root']['dag']['tasks']
    done: List[str] = []
    running: Dict[str, Tuple[Dict[str, Any], subprocess.Popen]] = {}
    try:
      while len(done) < len(tasks):
        ready = sorted(name for name in tasks if name not in done and name not in running
                       and self.upstream(name) <= set(done))
        resolvers = [n for n in ready if 'resolver' in self.executor(n)]
        if resolvers:
          self.resolve(*resolvers)
          done += resolvers
          continue
        for name in ready[:max(0, parallel - len(running))]:
          running[name] = self.start(name)
        assert running, f'nothing can run: {sorted(set(tasks) - set(done))}'
        finished = _wait_any(running, timeout)
        self.finish(finished, *running.pop(finished), timeout=timeout)
        done.append(finished)
    finally:
      for _, process in running.values():
        if process.poll() is None:
          process.kill()
    return done


# Step servers of this test process, one per interpreter, module and environment,
# stopped when it exits.
_SERVERS: Dict[Tuple[str, str, str], StepServer] = {}


def _server(image: Image, module: str, extra: Dict[str, str]) -> Optional[StepServer]:
  """The server forking `python -m module` in the image with the environment `extra`
  makes (image.environ); None the first time a task asks for it (that task starts
  fresh, while the server imports the module)."""
  key = (image.interpreter, module, json.dumps(extra, sort_keys=True))
  if key in _SERVERS:
    return _SERVERS[key]
  log = tempfile.NamedTemporaryFile(prefix='step_server_', suffix='.log', delete=False)
  log.close()
  _SERVERS[key] = StepServer(image.interpreter, image.workdir, image.environ(**extra),
                             module, log.name)
  return None


@atexit.register
def _stop_servers():
  for server in _SERVERS.values():
    server.close()
  _SERVERS.clear()


def _wait_any(running: Dict[str, Tuple[Any, subprocess.Popen]], timeout: int) -> str:
  """The name of the first of the running tasks to exit."""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    for name, (_, process) in running.items():
      if process.poll() is not None:
        return name
    time.sleep(0.2)
  raise TimeoutError(f'no task finished within {timeout} s: {sorted(running)}')
