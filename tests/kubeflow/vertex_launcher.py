"""What Vertex AI Pipelines does for one task of a compiled PipelineJob, here: builds the
task's ExecutorInput from the spec (its parameters: constants, or the run's parameter
values for `componentInputParameter`s; its input artifacts: the outputs its producer
tasks reported; its output artifacts: fresh URIs under the pipeline root, typed as the
component declares them), then runs the task's container command and args, with the
ExecutorInput in place of `{{$}}`, in a subprocess, and reads back the ExecutorOutput
the entry point wrote.

Output URIs follow Vertex's layout, `<pipeline root>/<project number>/<job>/<task>_<task
id>/<output key>`. No container is started: the command runs in this environment, which
holds the same package as the image.
"""

import itertools
import json
import os
import subprocess
import sys
from typing import Any, Dict, Tuple

PROJECT_NUMBER = '123456789'
ARTIFACTS = 'projects/p/locations/europe-west4/metadataStores/default/artifacts'


class VertexRun:
  """One run of a compiled job: the parameter values of the run and every artifact the
  tasks run so far have produced, keyed by (task, output key)."""

  def __init__(self, job: Dict[str, Any], pipeline_root: str, job_name: str,
               parameter_values: Dict[str, Any]):
    self.job = job
    self.spec = job['pipelineSpec']
    self.root = os.path.join(pipeline_root, PROJECT_NUMBER, job_name)
    # The PipelineJob's runtimeConfig, overridden as at submission.
    self.parameters = {**job['runtimeConfig'].get('parameterValues', {}),
                       **parameter_values}
    self.produced: Dict[Tuple[str, str], Dict[str, Any]] = {}
    self._ids = itertools.count(1)

  def executor_input(self, task_name: str) -> Dict[str, Any]:
    task = self.spec['root']['dag']['tasks'][task_name]
    component = self.spec['components'][task['componentRef']['name']]
    inputs = task.get('inputs', {})
    parameters = {}
    for key, value in inputs.get('parameters', {}).items():
      if 'componentInputParameter' in value:
        parameters[key] = self.parameters[value['componentInputParameter']]
      else:
        parameters[key] = value['runtimeValue']['constant']
    artifacts = {}
    for key, value in inputs.get('artifacts', {}).items():
      source = value['taskOutputArtifact']
      artifacts[key] = {'artifacts': [
          self.produced[(source['producerTask'], source['outputArtifactKey'])]]}
    task_dir = os.path.join(self.root, f'{task_name}_{next(self._ids)}')
    outputs = {key: {'artifacts': [{
        'name': f'{ARTIFACTS}/{task_name}-{key}', 'type': output['artifactType'],
        'uri': os.path.join(task_dir, key), 'metadata': {}}]}
               for key, output in component.get('outputDefinitions', {})
               .get('artifacts', {}).items()}
    return {'inputs': {'parameterValues': parameters, 'artifacts': artifacts},
            'outputs': {'artifacts': outputs,
                        'outputFile': os.path.join(task_dir, 'executor_output.json')}}

  def command(self, task_name: str, executor_input: Dict[str, Any]) -> list:
    """The task's container command and args as Vertex starts them."""
    label = self.spec['components'][
        self.spec['root']['dag']['tasks'][task_name]['componentRef']['name']][
            'executorLabel']
    container = self.spec['deploymentSpec']['executors'][label]['container']
    command = list(container['command'])
    if command[0] == 'python':
      command[0] = sys.executable
    serialized = json.dumps(executor_input)
    return command + [serialized if arg == '{{$}}' else arg for arg in container['args']]

  def run(self, *task_names: str, skipped=(), timeout: int = 900) -> Dict[str, Any]:
    """Runs tasks whose upstream tasks have run (or are in `skipped`: tasks whose
    outputs none of these read) side by side, as Vertex does with independent tasks;
    returns {task: its ExecutorOutput}, and records their output artifacts for the
    tasks downstream."""
    started = {}
    for name in task_names:
      task = self.spec['root']['dag']['tasks'][name]
      waiting = (set(task.get('dependentTasks', [])) - set(skipped)
                 - {t for t, _ in self.produced})
      assert not waiting, f'{name} waits for {sorted(waiting)}'
      executor_input = self.executor_input(name)
      env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
      started[name] = (executor_input, subprocess.Popen(
          self.command(name, executor_input), stdout=subprocess.DEVNULL,
          stderr=subprocess.PIPE, text=True, env=env))
    outputs = {}
    for name, (executor_input, process) in started.items():
      _, stderr = process.communicate(timeout=timeout)
      assert process.returncode == 0, (name, stderr[-4000:])
      with open(executor_input['outputs']['outputFile'], encoding='utf-8') as handle:
        outputs[name] = json.load(handle)
      for key, declared in executor_input['outputs']['artifacts'].items():
        reported = outputs[name].get('artifacts', {}).get(key, {}).get('artifacts', [{}])[0]
        self.produced[(name, key)] = {**declared['artifacts'][0], **reported,
                                      'type': declared['artifacts'][0]['type']}
    return outputs
