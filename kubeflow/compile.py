"""Compiles a built pipeline into a Kubeflow Pipelines v2 / Vertex AI Pipelines job spec.

`KubeflowV2DagRunner` only writes the spec; nothing runs here and nothing is uploaded:
every component names its code by importable module path
(`tfx_distill.trainer.task.run_fn`, `tfx_distill.components.<name>.executor.Executor`),
which the container image holds. The pipeline itself comes from `create_pipeline` with
the deployment's paths (`Deployment.pipeline_root`, `Deployment.serving_root`); this
module never builds one.
"""

import json
import os
from typing import Any, Dict, List

import yaml
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx import v1 as tfx
from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from tfx_distill.components.distiller.component import Distiller
from tfx_distill.components.transfer.component import Transfer
from tfx_distill.contracts import identity, node_ids
from tfx_distill.contracts.errors import check
from tfx_distill.kubeflow.deployment import Deployment, Resources
from tfx_distill.kubeflow.model_registry import push_to_vertex
from tfx_distill.kubeflow.runtime_parameters import used_defaults
from tfx_distill.kubeflow.vertex_training import train_on_vertex


ResourceSpec = (pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec
                .ResourceSpec)


def resource_spec(resources: Resources) -> ResourceSpec:
  """The container ResourceSpec (what KubeflowV2DagRunner emits for a node's
  platform_config): vCPU and memory (GB) limits, accelerator type and count."""
  spec = ResourceSpec(cpu_limit=resources.cpu, memory_limit=resources.memory_gb)
  if resources.accelerator_count:
    spec.accelerator.CopyFrom(ResourceSpec.AcceleratorConfig(
        type=resources.accelerator_type, count=resources.accelerator_count))
  return spec


def request_resources(pipeline: tfx.dsl.Pipeline, deployment: Deployment) -> int:
  """Gives each Distiller, each Tuner, each Transfer and each Trainer that trains inside
  its step (not as a Vertex CustomJob) the resources of `deployment`; returns how many
  nodes ask."""
  count = 0
  for node in pipeline.components:
    if isinstance(node, Distiller):
      resources = deployment.distiller
    elif isinstance(node, (tfx.components.Tuner, Transfer)) or (
        isinstance(node, tfx.components.Trainer) and deployment.vertex_training is None):
      resources = deployment.trainer
    else:
      continue
    if resources:
      node.with_platform_config(resource_spec(resources))
      count += 1
  return count


def kfp_package_path(out: str) -> str:
  """Where the Kubeflow Pipelines package of the job at `out` goes: FILE.json -> FILE.yaml."""
  return os.path.splitext(out)[0] + '.yaml'


def write_kfp_package(job: Dict[str, Any], pipeline_root: str, path: str) -> None:
  """The job's PipelineSpec as the YAML package `kfp.Client` uploads and runs, with the
  pipeline root as its default (KFP has no runtimeConfig to carry it)."""
  spec = dict(job['pipelineSpec'], defaultPipelineRoot=pipeline_root)
  with open(path, 'w') as f:
    yaml.safe_dump(spec, f, sort_keys=False)


def with_parameter_defaults(job: Dict[str, Any],
                            defaults: Dict[str, Any]) -> Dict[str, Any]:
  """The job with each runtime parameter's default also in the PipelineSpec's root
  inputs (`defaultValue`, optional), so that the spec alone runs with the compiled
  values: the KFP package has no runtimeConfig."""
  root = job['pipelineSpec']['root']
  parameters = root.get('inputDefinitions', {}).get('parameters', {})
  for name, default in defaults.items():
    parameters[name].update(defaultValue=default, isOptional=True)
  return job


BLESSING_QUERY = 'schema_title="tfx.ModelBlessing"'
STATISTICS_QUERY = 'schema_title="tfx.ExampleStatistics"'


def clause(key: str, value) -> str:
  """A filter clause on an artifact's custom property, as Vertex's metadata queries
  spell it."""
  if isinstance(value, str):
    return f'metadata.{key}.string_value="{value}"'
  return f'metadata.{key}.number_value={value}'


def restrict_query(job: Dict[str, Any], task_prefix: str, query_prefix: str,
                   properties: Dict[str, Any]) -> str:
  """Adds a clause per property to the one compiled artifact query of the resolver
  tasks named `task_prefix`... that starts with `query_prefix`, in place; returns the
  new filter."""
  spec = job['pipelineSpec']
  queries = [query for name, component in spec['components'].items()
             if name.startswith(task_prefix)
             for query in spec['deploymentSpec']['executors'][
                 component['executorLabel']].get('resolver', {}).get(
                     'outputArtifactQueries', {}).values()
             if query['filter'].startswith(query_prefix)]
  if len(queries) != 1:  # TFX compiled the resolver otherwise: a bug, not the user's
    raise RuntimeError(f'expected one {query_prefix} query of {task_prefix} in the '
                       f'compiled job, found {len(queries)}')
  queries[0]['filter'] += ''.join(f' AND {clause(key, value)}'
                                  for key, value in properties.items())
  return queries[0]['filter']


def restrict_queries(job: Dict[str, Any], pipeline_name: str) -> Dict[str, str]:
  """Restricts the compiled resolver queries to what the local runner resolves, in
  place; returns {resolver: its new filter}.

  TFX's Kubeflow V2 step builder compiles a resolver's channels into artifact queries
  on type and state alone: the channels' `producer_component_id` and the pipeline's
  context, which the local runner honours, are dropped, so any artifact of the type in
  the metadata store (a distilled model's blessing, another pipeline's statistics)
  would be taken. The artifacts carry what tells them apart (contracts/identity.py;
  components/data_gate/statistics.py), and the queries filter on it:

  - the full model's baseline (LatestBlessedFullModel: the latest blessing, then the
    model it blessed, by name): blessings of model 0 of the `full` training set of
    this pipeline, as the local runner's producers Trainer_full_s0 / Evaluator_full_s0;
  - the drift check's last statistics (LatestStatistics): statistics of this pipeline.
  """
  return {
      node_ids.LATEST_BLESSED_FULL: restrict_query(
          job, node_ids.LATEST_BLESSED_FULL + '-', BLESSING_QUERY,
          {**identity.full(identity.EPOCHS).properties(), identity.PIPELINE: pipeline_name,
           identity.SEED: 0}),
      node_ids.LATEST_STATISTICS: restrict_query(
          job, node_ids.LATEST_STATISTICS, STATISTICS_QUERY,
          {identity.PIPELINE: pipeline_name}),
  }


def link_output_parameters(job: Dict[str, Any]) -> int:
  """Points every task input that takes another task's output parameter at that task,
  in place; returns how many it changed. TFX 1.16's step builder names the producer
  `<node id>_task` (step_builder.py, dynamic exec properties), a task no spec has."""
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  changed = 0
  for task in tasks.values():
    for value in task.get('inputs', {}).get('parameters', {}).values():
      producer = value.get('taskOutputParameter')
      if producer and producer['producerTask'] not in tasks:
        name = producer['producerTask']
        if not (name.endswith('_task') and name[:-len('_task')] in tasks):
          raise RuntimeError(f'task output parameter of an unknown task {name!r}')
        producer['producerTask'] = name[:-len('_task')]
        changed += 1
  return changed


def never_cache(job: Dict[str, Any], prefix: str) -> List[str]:
  """Turns caching off for the tasks whose name starts with `prefix`, in place; returns
  their names."""
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  names = sorted(name for name in tasks if name.startswith(prefix))
  for name in names:
    tasks[name]['cachingOptions'] = {'enableCache': False}
  return names


def compilable_resolvers(pipeline: tfx.dsl.Pipeline) -> List[str]:
  """Gives every Resolver whose strategy is a subclass of one TFX's Kubeflow v2
  compiler knows (it accepts LatestArtifactStrategy and LatestBlessedModelStrategy
  themselves only) that class, in place; returns their ids. The subclasses change what
  the local runner does when nothing is found (components/data_gate/distribution.py),
  not the query."""
  known = (tfx.dsl.experimental.LatestArtifactStrategy,
           tfx.dsl.experimental.LatestBlessedModelStrategy)
  changed = []
  for node in pipeline.components:
    strategy = getattr(node, '_strategy_class', None)
    if isinstance(node, tfx.dsl.Resolver) and strategy is not None and strategy not in known:
      base = next((k for k in known if issubclass(strategy, k)), None)
      if base is not None:
        node._strategy_class = base  # pylint: disable=protected-access
        changed.append(node.id)
  return changed


def compile_pipeline(pipeline: tfx.dsl.Pipeline, deployment: Deployment, display_name: str,
                     out: str) -> Dict[str, Any]:
  """Writes the PipelineJob JSON of `pipeline` (built for `deployment`'s paths, with the
  runtime parameters of `runtime_parameters.py`) to `out` (for Vertex AI Pipelines'
  `PipelineJob(template_path=...)`) and, for --target kubeflow, its PipelineSpec beside
  it as FILE.yaml (for `kfp.Client`); returns the job. The job is in the KFP pipeline
  spec schema 2.1, with the Pushers uploading to the Vertex AI Model Registry if the
  deployment has one, the runtime parameters of `runtime_parameters.py` (their
  defaults: the config's values, in runtimeConfig.parameterValues), the heavy steps'
  resource requests, the resolvers' queries restricted as the local runner resolves
  (`restrict_queries`) and the input files fingerprinted on every run
  (`link_output_parameters`, `never_cache`)."""
  deployment.validate()
  check(out.endswith('.json'), f'--out must name a .json file, got {out!r}')
  if deployment.vertex_training is not None:
    train_on_vertex(pipeline, deployment.vertex_training)
  if deployment.model_registry is not None:
    push_to_vertex(pipeline, deployment.model_registry)
  request_resources(pipeline, deployment)
  compilable_resolvers(pipeline)
  defaults = used_defaults(pipeline)
  runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
      config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
          display_name=display_name, default_image=deployment.image,
          use_pipeline_spec_2_1=True),
      output_dir=os.path.dirname(os.path.abspath(out)),
      output_filename=os.path.basename(out))
  if os.path.exists(out):
    os.remove(out)
  job = with_parameter_defaults(runner.run(pipeline, parameter_values=defaults,
                                           write_out=False), defaults)
  restrict_queries(job, pipeline.pipeline_info.pipeline_name)
  link_output_parameters(job)
  # The input files' fingerprints are read on every run (components/source_fingerprint).
  never_cache(job, node_ids.SOURCE_FINGERPRINT)
  with open(out, 'w') as f:
    json.dump(job, f, sort_keys=True)
  if deployment.target == 'kubeflow':
    write_kfp_package(job, deployment.root, kfp_package_path(out))
  return job
