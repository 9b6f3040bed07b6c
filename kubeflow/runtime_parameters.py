"""The runtime parameters of a compiled pipeline: the values a user changes between runs,
as `tfx.dsl.experimental.RuntimeParameter`s whose defaults are the compiled config's,
so that one compiled file serves many runs (Vertex AI:
`PipelineJob(parameter_values={'epochs': 20})`; Kubeflow: `arguments={...}`).

| parameter                | setting (flag)                           | nodes           |
|--------------------------|------------------------------------------|-----------------|
| `data`                   | ingest.data (`--data`)                   | Ingest, SourceFingerprint |
| `max_examples`           | ingest.max_examples (`--max-examples`)   | Ingest          |
| `split_seed`             | ingest.seed (`--split-seed`)             | Ingest          |
| `schema_file`            | validation.schema_file (`--schema`)      | ImportSchemaGen |
| `allow_anomalies`        | validation.allow_anomalies (0/1)         | DataGate        |
| `steps`                  | distill.*.steps (`--steps`)              | Distillers (1)  |
| `distill_seed`           | distill.*.seed (`--seed`)                | Distillers (1)  |
| `time_budget`            | distill.*.time_budget_s (`--time-budget`) | Distillers (1) |
| `epochs`                 | train.epochs (`--epochs`)                | full Trainers   |
| `small_steps`            | small_sets.steps (`--small-steps`)       | other Trainers  |
| `train_seed`             | train.seed (+ the model's seed index)    | Trainers        |
| `full_min_accuracy`      | eval.full_min_accuracy                   | full Evaluators |
| `candidate_min_accuracy` | eval.candidate_min_accuracy              | other Evaluators |
| `max_drop`               | eval.max_drop (`--max-drop`)             | other Evaluators |
| `full_max_drop`          | eval.full_max_drop (`--full-max-drop`)   | full Evaluators |

Ingest, ImportSchemaGen, DataGate and the Distillers take them as their own execution
parameters (a parameter's default is the value those nodes were built with); the
Trainers and Evaluators through `tunable.py`. (1) The Distillers whose method has that
setting (`components/distiller/methods.py`: steps and time_budget_s for nfr, kip and
logreg, seed for all but first); their values must agree (the command line's flag sets
them all), as one runtime parameter stands for them. What shapes the graph
stays fixed at compile time: the candidates and their images per class (they name the
nodes, the training sets and the serving directories `serving/<set>/`), `--seeds`
(models per set), `--kip-set` and `--tune`; recompile to change them. `schema_file` is
a parameter only when a schema is imported (not with `--schema infer`); the DataGate
gets it too, to name it in its messages.
"""

import dataclasses
import functools
from typing import Any, Dict, Tuple

from tfx import v1 as tfx
from tfx.orchestration import data_types

from tfx_distill.contracts import node_ids
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import FLAG
from tfx_distill.kubeflow.tunable import tune_evaluator, tune_trainer

IMPORT_SCHEMA_GEN = 'importschemagen'  # the kind of the ImportSchemaGen node
SOURCE_FINGERPRINT = node_ids.SOURCE_FINGERPRINT.lower()  # the kind of Ingest's one


@dataclasses.dataclass(frozen=True)
class Parameter:
  """One runtime parameter: its name, the PipelineConfig setting it stands for (a
  dotted path; `*` for every section of a composed one, e.g. each method's settings
  in `distill`), its type, and the kinds of node that take it as the execution
  parameter named as the setting's field, those of them that have that parameter (the
  first kind must be in the pipeline)."""
  name: str
  setting: str
  ptype: type
  nodes: Tuple[str, ...] = ()

  @property
  def field(self) -> str:
    return self.setting.rpartition('.')[2]

  def default(self, config, takers=()) -> Any:
    """The value the nodes that take it were built with (they must agree), or, for a
    parameter no node takes directly, the setting's value in config (bools as 0/1)."""
    values = {node.exec_properties[self.field] for node in takers}
    check(len(values) <= 1,
          f'runtime parameter {self.name} stands for {self.setting}, which differs '
          f'between its nodes ({sorted(values)}); give them one value '
          f'({self.flag(config) or self.setting})')
    if values:
      return self.ptype(values.pop())
    return self.ptype(functools.reduce(getattr, self.setting.split('.'), config))

  def flag(self, config) -> str:
    """The command-line flag of the setting ('' when it has none)."""
    sections = [config]
    for name in self.setting.split('.')[:-1]:
      sections = [part for section in sections for part in (
          [getattr(section, f.name) for f in dataclasses.fields(section)] if name == '*'
          else [getattr(section, name)])]
    found = [f for section in sections for f in dataclasses.fields(section)
             if f.name == self.field]
    return found[0].metadata.get(FLAG, '') if found else ''

  def runtime_parameter(self, config, takers=()) -> data_types.RuntimeParameter:
    flag = self.flag(config)
    return tfx.dsl.experimental.RuntimeParameter(
        name=self.name, ptype=self.ptype, default=self.default(config, takers),
        description=f'{self.setting}' + (f' ({flag})' if flag else ''))


PARAMETERS = (
    Parameter('data', 'ingest.data', str, ('ingest', SOURCE_FINGERPRINT)),
    Parameter('max_examples', 'ingest.max_examples', int, ('ingest',)),
    Parameter('split_seed', 'ingest.seed', int, ('ingest',)),
    Parameter('schema_file', 'validation.schema_file', str,
              (IMPORT_SCHEMA_GEN, 'datagate')),
    Parameter('allow_anomalies', 'validation.allow_anomalies', int, ('datagate',)),
    Parameter('steps', 'distill.*.steps', int, ('distiller',)),
    Parameter('distill_seed', 'distill.*.seed', int, ('distiller',)),
    Parameter('time_budget', 'distill.*.time_budget_s', float, ('distiller',)),
    Parameter('epochs', 'train.epochs', int),
    Parameter('small_steps', 'small_sets.steps', int),
    Parameter('train_seed', 'train.seed', int),
    Parameter('full_min_accuracy', 'eval.full_min_accuracy', float),
    Parameter('candidate_min_accuracy', 'eval.candidate_min_accuracy', float),
    Parameter('max_drop', 'eval.max_drop', float),
    Parameter('full_max_drop', 'eval.full_max_drop', float),
)


def node_kind(node) -> str:
  """'ingest', 'distiller', 'trainer', ... (node_ids), or the lower-case node id."""
  producer = node_ids.parse_node_id(node.id)
  return producer.kind if producer is not None else node.id.lower()


def parameterize(pipeline: tfx.dsl.Pipeline, config) -> Dict[str, Any]:
  """Puts the runtime parameters into the nodes of `pipeline` (built from `config`, the
  PipelineConfig), in place; returns {name: default} of those it uses."""
  kinds = {node_kind(node) for node in pipeline.components}
  takers = {p.name: [node for node in pipeline.components
                     if node_kind(node) in p.nodes and p.field in node.exec_properties]
            for p in PARAMETERS if p.nodes and p.nodes[0] in kinds}
  params = {p.name: p.runtime_parameter(config, takers.get(p.name, ()))
            for p in PARAMETERS if not p.nodes or takers.get(p.name)}
  used = set()
  for node in pipeline.components:
    kind = node_kind(node)
    for parameter in PARAMETERS:
      if any(node is taker for taker in takers.get(parameter.name, ())):
        node.exec_properties[parameter.field] = params[parameter.name]
        used.add(parameter.name)
    if kind not in ('trainer', 'evaluator'):
      continue
    producer = node_ids.parse_node_id(node.id)
    full = producer.training_set == node_ids.FULL
    if kind == 'trainer':
      length = 'epochs' if full else 'small_steps'
      tune_trainer(node, params['epochs'] if full else 0,
                   0 if full else params['small_steps'], params['train_seed'],
                   producer.seed)
      used |= {length, 'train_seed'}
    else:
      floor = 'full_min_accuracy' if full else 'candidate_min_accuracy'
      drop = 'full_max_drop' if full else 'max_drop'
      tune_evaluator(node, params[floor], params[drop], producer.training_set,
                     pipeline.pipeline_info.pipeline_name, producer.seed)
      used |= {floor, drop}
  return {name: params[name].default for name in sorted(used)}
