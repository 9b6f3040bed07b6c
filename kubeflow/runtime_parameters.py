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

`create_pipeline` builds every node that takes a setting with its runtime parameter
(pipeline/pipeline.py): Ingest, ImportSchemaGen, the DataGate and the Distillers as
execution parameters of their own; the Trainers and Evaluators as parameters of
components/training and components/evaluation, folded into their custom_config and
EvalConfig when they run. (1) The Distillers whose method has that setting
(`components/distiller/methods.py`: steps and time_budget_s for nfr, kip and logreg,
seed for all but first); their values must agree (the command line's flag sets them
all), as one runtime parameter stands for them. What shapes the graph
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

from tfx_distill.components.data_gate.settings import INFER
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import FLAG


@dataclasses.dataclass(frozen=True)
class Parameter:
  """One runtime parameter: its name, the PipelineConfig setting it stands for (a
  dotted path; `*` for every section of a composed one, e.g. each method's settings
  in `distill`) and its type. `create_pipeline` builds every node that takes the
  setting with it (pipeline/pipeline.py)."""
  name: str
  setting: str
  ptype: type

  @property
  def field(self) -> str:
    return self.setting.rpartition('.')[2]

  def sections(self, config) -> list:
    """The settings objects that hold the setting (several for `distill.*`)."""
    sections = [config]
    for name in self.setting.split('.')[:-1]:
      sections = [part for section in sections for part in (
          [getattr(section, f.name) for f in dataclasses.fields(section)] if name == '*'
          else [getattr(section, name)])]
    return [s for s in sections if any(f.name == self.field for f in dataclasses.fields(s))]

  def default(self, config) -> Any:
    """The setting's value in config (the methods that run must agree on a distill one;
    bools as 0/1)."""
    if '*' not in self.setting:
      return self.ptype(functools.reduce(getattr, self.setting.split('.'), config))
    running = {c.method for c in config.candidates}
    values = {getattr(config.distill.settings(method), self.field)
              for method in running
              if any(f.name == self.field
                     for f in dataclasses.fields(config.distill.settings(method)))}
    check(len(values) <= 1,
          f'runtime parameter {self.name} stands for {self.setting}, which differs '
          f'between the methods that run ({sorted(values)}); give them one value '
          f'({self.flag(config) or self.setting})')
    return self.ptype(values.pop()) if values else None

  def flag(self, config) -> str:
    """The command-line flag of the setting ('' when it has none)."""
    found = [f for section in self.sections(config) for f in dataclasses.fields(section)
             if f.name == self.field]
    return found[0].metadata.get(FLAG, '') if found else ''


PARAMETERS = (
    Parameter('data', 'ingest.data', str),
    Parameter('max_examples', 'ingest.max_examples', int),
    Parameter('split_seed', 'ingest.seed', int),
    Parameter('schema_file', 'validation.schema_file', str),
    Parameter('allow_anomalies', 'validation.allow_anomalies', int),
    Parameter('steps', 'distill.*.steps', int),
    Parameter('distill_seed', 'distill.*.seed', int),
    Parameter('time_budget', 'distill.*.time_budget_s', float),
    Parameter('epochs', 'train.epochs', int),
    Parameter('small_steps', 'small_sets.steps', int),
    Parameter('train_seed', 'train.seed', int),
    Parameter('full_min_accuracy', 'eval.full_min_accuracy', float),
    Parameter('candidate_min_accuracy', 'eval.candidate_min_accuracy', float),
    Parameter('max_drop', 'eval.max_drop', float),
    Parameter('full_max_drop', 'eval.full_max_drop', float),
)


def runtime_parameters(config) -> Dict[str, data_types.RuntimeParameter]:
  """{setting: its runtime parameter, default the config's value} of every parameter
  the config's pipeline has: `schema_file` only when a schema is imported, a distill
  one only when a method that runs has the setting."""
  found = {}
  for parameter in PARAMETERS:
    if parameter.name == 'schema_file' and config.validation.schema_file == INFER:
      continue
    default = parameter.default(config)
    if default is None:
      continue
    flag = parameter.flag(config)
    found[parameter.setting] = tfx.dsl.experimental.RuntimeParameter(
        name=parameter.name, ptype=parameter.ptype, default=default,
        description=parameter.setting + (f' ({flag})' if flag else ''))
  return found


def used_defaults(pipeline: tfx.dsl.Pipeline) -> Dict[str, Any]:
  """{name: default} of the runtime parameters the built pipeline's nodes take."""
  found = {}
  for node in pipeline.components:
    for value in node.exec_properties.values():
      if isinstance(value, data_types.RuntimeParameter):
        found[value.name] = value.default
  return dict(sorted(found.items()))
