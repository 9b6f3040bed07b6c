"""The data's distribution checks, on TFX's DistributionValidator: eval split against
train split (skew) and this run against the last run (drift), with the comparators of
the established schema.

TFX 1.16's `DistributionValidator` compares the statistics of splits of two
ExampleStatistics artifacts (`include_split_pairs`, by default the splits of the same
name) with the comparators of a `DistributionValidatorConfig` fixed when the pipeline is
built; it writes `SplitPair-<test>_<baseline>/SchemaDiff.pb` per pair and, with no
baseline statistics (a first run), checks nothing and says so in its `blessed` property.
`SchemaDistributionValidator` is that component (TFX's executor does the validation)
with one input more, the schema, whose comparators become its config when it runs:
`skew_comparator`s for `comparators='skew'`, `drift_comparator`s for 'drift'. So the
comparators stay in the established schema (curated once, imported by ImportSchemaGen,
chosen at run time with the `schema_file` runtime parameter on Kubeflow and Vertex),
as with TFDV's own `validate_statistics`.

The previous run's statistics come from `latest_statistics`, a Resolver on
StatisticsGen's output, which StatisticsGen waits for, so that it resolves before this
run's statistics exist: the newest statistics of an earlier run of this pipeline on the
local runner (it filters on the producer node), or none on a first run
(`LatestIfAnyStrategy`: TFX's LatestArtifactStrategy fails the resolver instead).
On Kubeflow Pipelines and Vertex, TFX's v2 compiler keeps only the artifact type and
state of that channel (`schema_title="tfx.ExampleStatistics" AND state=LIVE`): the
newest ExampleStatistics of the whole metadata store, which may come from another
pipeline. The statistics carry their pipeline's name (statistics.py) and the compiled
query filters on it (kubeflow/compile.py, `restrict_queries`); and the drift check
takes a baseline only from under `baseline_root` (this pipeline's root), otherwise
checking nothing, saying so (`baseline_ignored`; kubeflow/README.md).
"""

import os
from typing import Any, Dict, List, Optional, Tuple

from absl import logging
from tfx.components.distribution_validator import executor as dv_executor
from tfx.components.distribution_validator.executor import (ARTIFACT_PROPERTY_BLESSED_KEY,
                                                             DEFAULT_FILE_NAME,
                                                             NO_BASELINE_STATS)
from tfx.dsl.components.base import base_component, executor_spec
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_artifact_strategy import LatestArtifactStrategy
from tfx.proto import distribution_validator_pb2
from tfx.types import Artifact, artifact_utils, channel_utils, standard_artifacts
from tfx.types.channel import Channel
from tfx.types import standard_component_specs as keys
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter
from tfx.utils import io_utils, json_utils
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters

SKEW, DRIFT = 'skew', 'drift'
COMPARATORS_KEY = 'comparators'  # parameter: which comparators of the schema
BASELINE_ROOT_KEY = 'baseline_root'  # parameter: baselines only from under this uri
BASELINE_IGNORED = 'baseline_ignored'  # output property: a baseline from elsewhere
SCHEMA_KEY = 'schema'  # input: the established schema
# The splits the skew check compares: eval (on which TFMA judges every model) as the
# test statistics, train (what the models learn from) as the baseline.
SKEW_PAIRS = (('eval', 'train'),)
STATISTICS_OUTPUT = 'statistics'  # StatisticsGen's output key


def comparator_config(schema: schema_pb2.Schema,
                      kind: str) -> distribution_validator_pb2.DistributionValidatorConfig:
  """The DistributionValidator config of the schema's `kind` comparators: one feature
  comparator per top-level feature with a skew_comparator (kind 'skew') or a
  drift_comparator ('drift')."""
  field = {SKEW: 'skew_comparator', DRIFT: 'drift_comparator'}[kind]
  config = distribution_validator_pb2.DistributionValidatorConfig()
  for feature in schema.feature:
    if feature.HasField(field):
      compared = config.default_slice_config.feature.add()
      compared.path.step.append(feature.name)
      compared.distribution_comparator.CopyFrom(getattr(feature, field))
  return config


class SchemaDistributionValidatorSpec(ComponentSpec):
  """TFX's DistributionValidatorSpec, its config taken from the `schema` input's
  comparators (COMPARATORS_KEY) when it runs; the baseline may be missing."""
  PARAMETERS = {
      COMPARATORS_KEY: ExecutionParameter(type=str),
      BASELINE_ROOT_KEY: ExecutionParameter(type=str, optional=True),
      keys.INCLUDE_SPLIT_PAIRS_KEY: ExecutionParameter(type=str, optional=True),
      **cache_key_parameters(CODE_VERSION),
  }
  INPUTS = {
      keys.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
      keys.BASELINE_STATISTICS_KEY: ChannelParameter(
          type=standard_artifacts.ExampleStatistics, optional=True),
      SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
  }
  OUTPUTS = {keys.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class Executor(dv_executor.Executor):
  """TFX's DistributionValidator executor, given the config of the schema's comparators."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]):
    inputs = dict(input_dict)
    schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
        artifact_utils.get_single_uri(inputs.pop(SCHEMA_KEY))))
    inputs.setdefault(keys.BASELINE_STATISTICS_KEY, [])
    root = (exec_properties.get(BASELINE_ROOT_KEY) or '').rstrip('/')
    ignored = [a.uri for a in inputs[keys.BASELINE_STATISTICS_KEY]
               if root and not a.uri.startswith(root + '/')]
    if ignored:
      logging.warning('DistributionValidator: the latest statistics (%s) are not under '
                      'this pipeline root (%s): nothing compared', ignored[0], root)
      inputs[keys.BASELINE_STATISTICS_KEY] = []
    properties = {k: v for k, v in exec_properties.items() if v is not None
                  and k not in (COMPARATORS_KEY, BASELINE_ROOT_KEY, CODE_VERSION)}
    properties[keys.DISTRIBUTION_VALIDATOR_CONFIG_KEY] = comparator_config(
        schema, exec_properties[COMPARATORS_KEY])
    if ignored:  # set before TFX's executor copies the artifact into its result
      artifact_utils.get_single_instance(output_dict[keys.ANOMALIES_KEY]) \
          .set_string_custom_property(BASELINE_IGNORED, ignored[0])
    return super().Do(inputs, output_dict, properties)


class SchemaDistributionValidator(base_component.BaseComponent):
  """DistributionValidator with the schema's skew or drift comparators (module
  docstring); `anomalies` as TFX's."""

  SPEC_CLASS = SchemaDistributionValidatorSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

  def __init__(self, statistics, baseline_statistics, schema, comparators: str,
               include_split_pairs: Optional[Tuple[Tuple[str, str], ...]] = None,
               baseline_root: str = '', code_version: str = ''):
    super().__init__(spec=SchemaDistributionValidatorSpec(**{
        keys.STATISTICS_KEY: statistics,
        keys.BASELINE_STATISTICS_KEY: baseline_statistics,
        SCHEMA_KEY: schema,
        COMPARATORS_KEY: comparators,
        BASELINE_ROOT_KEY: baseline_root or None,
        keys.INCLUDE_SPLIT_PAIRS_KEY: (json_utils.dumps([list(p) for p in include_split_pairs])
                                       if include_split_pairs else None),
        CODE_VERSION: code_version,
        keys.ANOMALIES_KEY: channel_utils.as_channel([standard_artifacts.ExampleAnomalies()]),
    }))


class LatestIfAnyStrategy(LatestArtifactStrategy):
  """TFX's LatestArtifactStrategy, except that it resolves to no artifact, instead of
  failing the resolver's execution, when there is none yet (a first run). The
  Kubeflow v2 compiler accepts LatestArtifactStrategy itself only; kubeflow/compile.py
  compiles this one as it (the query is the same; what Vertex does when it finds
  nothing is Vertex's)."""

  def resolve_artifacts(self, store, input_dict):
    return self._resolve(input_dict)


def latest_statistics(statistics_gen_id: str) -> Resolver:
  """The newest statistics StatisticsGen (node `statistics_gen_id`) made before this
  run, or none (see the module docstring: the caller makes StatisticsGen wait for it)."""
  return Resolver(
      strategy_class=LatestIfAnyStrategy,
      statistics=Channel(type=standard_artifacts.ExampleStatistics,
                                 producer_component_id=statistics_gen_id,
                                 output_key=STATISTICS_OUTPUT))


def split_pair_anomalies(anomalies: Artifact) -> Tuple[Optional[dict],
                                                       List[Tuple[str, str, anomalies_pb2
                                                                  .Anomalies]]]:
  """(blessed, [(test split, baseline split, Anomalies)]) of a DistributionValidator
  output: its `blessed` property ({pair: 1 passed, 0 failed, 2 no baseline}) and the
  anomalies of every split pair it compared (none when it had no baseline)."""
  blessed = (anomalies.get_json_value_custom_property(ARTIFACT_PROPERTY_BLESSED_KEY)
             if anomalies.has_custom_property(ARTIFACT_PROPERTY_BLESSED_KEY) else None)
  found = []
  for pair in artifact_utils.decode_split_names(anomalies.split_names or '[]'):
    path = os.path.join(anomalies.uri, f'SplitPair-{pair}', DEFAULT_FILE_NAME)
    proto = anomalies_pb2.Anomalies()
    proto.ParseFromString(io_utils.read_bytes_file(path))
    test, baseline = pair.split('_', 1)
    found.append((test, baseline, proto))
  return (dict(blessed) if blessed is not None else None), found


def had_baseline(blessed: Optional[dict]) -> bool:
  """Whether the validator compared anything (False: no baseline, as on a first run)."""
  return bool(blessed) and any(int(v) != NO_BASELINE_STATS for v in blessed.values())
