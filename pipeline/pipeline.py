"""`create_pipeline`: wires the tfx-distill components. Pure: it builds, never runs
(`cache_keys` brings what TFX's cache must see besides the settings; see cache_keys.py)."""

from typing import Any, List, Mapping, Optional

from ml_metadata.proto import metadata_store_pb2
from tfx.components import ExampleValidator, SchemaGen, Tuner
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import (
    LatestBlessedModelStrategy)
from tfx.orchestration.pipeline import Pipeline
from tfx.proto import pusher_pb2, trainer_pb2
from tfx.types import standard_artifacts
from tfx.types.channel import Channel

from tfx_distill.contracts import identity, node_ids
from tfx_distill.components.data_gate.component import DataGate
from tfx_distill.components.data_gate.distribution import (DRIFT, SKEW, SKEW_PAIRS,
                                                           SchemaDistributionValidator,
                                                           latest_statistics)
from tfx_distill.components.data_gate.schema_import import ImportSchemaGen
from tfx_distill.components.data_gate.statistics import StatisticsGen
from tfx_distill.components.data_gate.settings import INFER
from tfx_distill.components.distiller import methods
from tfx_distill.components.distiller.component import Distiller
from tfx_distill.components.distiller.spec import DISTILLED_KEY, KIP_SET_KEY
from tfx_distill.components.evaluation.component import Evaluator
from tfx_distill.contracts.example_format import EVAL, TRAIN, VALID
from tfx_distill.components.ingest.component import Ingest
from tfx_distill.components.ingest.spec import EXAMPLES_KEY
from tfx_distill.components.kip_import.component import KipImport
from tfx_distill.components.kip_import.spec import EXAMPLES_KEY as IMPORTED_KEY
from tfx_distill.contracts.parameters import CODE_VERSION
from tfx_distill.components.pusher.component import Pusher
from tfx_distill.components.report.component import report_of
from tfx_distill.components.set_publisher.component import SetPublisher
from tfx_distill.components.source_fingerprint.component import SourceFingerprint
from tfx_distill.components.training.component import Trainer
from tfx_distill.components.transfer import variants as variants_lib
from tfx_distill.components.transfer.component import Transfer
from tfx_distill.pipeline.cache_keys import CacheKeys, code_versions
from tfx_distill.pipeline.config import PipelineConfig, PipelinePaths
from tfx_distill.blessing.eval_config import candidate_eval_config, full_eval_config

TUNER_FN = 'tfx_distill.trainer.tuner.tuner_fn'


def create_pipeline(config: PipelineConfig, paths: PipelinePaths,
                    metadata_connection_config: Optional[
                        metadata_store_pb2.ConnectionConfig] = None,
                    beam_pipeline_args: Optional[List[str]] = None,
                    cache_keys: Optional[CacheKeys] = None,
                    fingerprint_at_run_time: bool = False,
                    runtime: Optional[Mapping[str, Any]] = None) -> Pipeline:
  """The whole experiment: ingest, validate, distil, train, evaluate, push (models, and
  the distilled sets of pushed candidates). Nothing trains before the DataGate passed.

  cache_keys: fingerprints of the inputs and the code (default: the code's only).
  fingerprint_at_run_time (compiled pipelines): the input files are fingerprinted by a
  SourceFingerprint step when the pipeline runs, instead of by `cache_keys`.
  runtime (compiled pipelines): {setting ('train.epochs', 'distill.*.steps', ...):
  a value to use instead of the config's, a runtime parameter}: the nodes that take the
  setting are built with it (kubeflow/runtime_parameters.py)."""
  config.validate()
  runtime = dict(runtime or {})
  keys = cache_keys or CacheKeys(code=code_versions())
  components = []
  source_fingerprint = keys.data
  if fingerprint_at_run_time:
    # The source's fingerprint as the run finds it, for Ingest's cache key.
    fingerprint = SourceFingerprint(config.ingest.data, config.ingest.tfds_options)
    tune(fingerprint, runtime, 'ingest.data')
    components.append(fingerprint.with_id(node_ids.SOURCE_FINGERPRINT))
    source_fingerprint = fingerprint.fingerprint
  # Digits from the configured source -> stratified train/eval GZIP TFRecords.
  ingest = Ingest(config.ingest, source_fingerprint=source_fingerprint,
                  code_version=keys.code_of('ingest')).with_id(node_ids.INGEST)
  tune(ingest, runtime, 'ingest.*')
  examples = ingest.outputs[EXAMPLES_KEY]
  validation = config.validation
  if validation.schema_file == INFER:
    # Statistics of every split, and a schema inferred from them (a first run's).
    statistics_gen = StatisticsGen(examples, config.pipeline_name)
    schema_gen = SchemaGen(
        statistics=statistics_gen.outputs['statistics'], infer_feature_shape=True)
    components += [ingest, statistics_gen, schema_gen]
  else:
    # The established schema (curated once), and statistics computed with it.
    schema_gen = ImportSchemaGen(validation.schema_file,
                                 code_version=keys.code_of('data_gate'))
    tune(schema_gen, runtime, 'validation.schema_file')
    statistics_gen = StatisticsGen(examples, config.pipeline_name,
                                   schema=schema_gen.outputs['schema'])
    components += [ingest, schema_gen, statistics_gen]
  statistics = statistics_gen.outputs['statistics']
  # The data's schema: every check below uses it, every Trainer (and the Tuner) reads
  # its examples with it; distilled and imported sets carry the same features.
  schema = schema_gen.outputs['schema']
  # The last run's statistics, resolved before this run's exist (StatisticsGen waits).
  previous = latest_statistics(statistics_gen.id).with_id(node_ids.LATEST_STATISTICS)
  statistics_gen.add_upstream_node(previous)
  # Anomalies of every split against the schema.
  example_validator = ExampleValidator(statistics=statistics, schema=schema)
  # The schema's skew comparators, eval split against train split, and its drift
  # comparators, every split against the last run's (TFX's DistributionValidator).
  skew_check = SchemaDistributionValidator(
      statistics, statistics, schema, SKEW, include_split_pairs=SKEW_PAIRS,
      code_version=keys.code_of('data_gate')).with_id(node_ids.SKEW_CHECK)
  drift_check = SchemaDistributionValidator(
      statistics, previous.outputs['statistics'], schema, DRIFT,
      baseline_root=paths.pipeline_root, code_version=keys.code_of('data_gate')).with_id(
          node_ids.DRIFT_CHECK)
  # Stops the run on any of their anomalies before anything trains.
  data_gate = DataGate(examples, example_validator.outputs['anomalies'],
                       skew_check.outputs['anomalies'], drift_check.outputs['anomalies'],
                       validation, code_version=keys.code_of('data_gate')).with_id(
                           node_ids.DATA_GATE)
  tune(data_gate, runtime, 'validation.*')
  components += [previous, example_validator, skew_check, drift_check, data_gate]

  hyperparameters = None
  if config.enable_tuner:
    # Searches learning rate, dropout and width for the full-data model.
    tuner = Tuner(
        tuner_fn=TUNER_FN, examples=examples, schema=schema,
        train_args=trainer_pb2.TrainArgs(splits=[TRAIN]),
        eval_args=trainer_pb2.EvalArgs(splits=[VALID]),
        custom_config={**config.train.to_custom_config(),
                       CODE_VERSION: keys.code_of('tuner')})
    tuner.add_upstream_node(data_gate)
    hyperparameters = tuner.outputs['best_hyperparameters']
    components.append(tuner)

  # Training sets: the full train split, each distilled candidate, each imported KIP
  # set: (its identity, examples with `train`, `valid` and `eval` splits, training
  # settings). Every small set trains with the same step recipe, sized by run_fn on the
  # set it reads.
  architecture = config.train.architecture
  small_set_settings = config.small_sets.settings_for(config.train)
  full = identity.full(identity.EPOCHS, architecture)
  training_sets = [(full, examples, config.train)]
  for work in config.full_work_multiples:
    # The full train split with the small sets' step recipe, for as much work as a small
    # set (full_same_steps: the baseline at equal work) and for several times that
    # (full_3x_steps, ...: the rest of the strongest full-data curve).
    # The longer ones train one seed (--small-seeds is for the runs at a small set's
    # work; 3x and 10x that work with three seeds would cost more than all of them).
    training_sets.append((identity.full(identity.SMALL_SET, architecture, work),
                          examples, small_set_settings if work == 1 else
                          config.small_sets.once().settings_for(config.train)))
  kip_sets = {}  # distilled candidate -> its set in the published KIP format
  for candidate in config.candidates:
    # A small set of images per class made from the train split.
    training_set = identity.distilled(candidate.method, candidate.images_per_class,
                                      architecture, methods.method(candidate.method).reference)
    node_id = node_ids.distiller(training_set.name)
    node = Distiller(examples, candidate.method, candidate.images_per_class,
                     config.distill_settings(candidate.method),
                     checkpoint_dir=paths.checkpoint_dir(node_id),
                     code_version=keys.code_of('distiller'),
                     architecture=architecture).with_id(node_id)
    tune(node, runtime, 'distill.*')
    node.add_upstream_node(data_gate)
    components.append(node)
    training_sets.append((training_set, node.outputs[DISTILLED_KEY], small_set_settings))
    kip_sets[training_set.name] = node.outputs[KIP_SET_KEY]
  for index, path in enumerate(config.kip_sets):
    kip_fingerprint = keys.kip_set(index)
    if fingerprint_at_run_time:
      fingerprint = SourceFingerprint(f'npz:{path}')
      components.append(fingerprint.with_id(node_ids.kip_fingerprint(index)))
      kip_fingerprint = fingerprint.fingerprint
    # A published KIP .npz, validated and brought into the pipeline's pixel space.
    training_set = identity.imported(index, architecture)
    node = KipImport(path=path, examples=examples, index=index,
                     source_fingerprint=kip_fingerprint,
                     code_version=keys.code_of('kip_import')).with_id(
                         node_ids.kip_import(index))
    node.add_upstream_node(data_gate)
    components.append(node)
    training_sets.append((training_set, node.outputs[IMPORTED_KEY], small_set_settings))

  models = {}
  for training_set, train_examples, settings in training_sets:
    for k in range(config.seeds):
      # The CNN trained on one training set with one seed (`valid`: real held-out
      # images for early stopping and calibration; `eval`: its learning curve, for the
      # report only). The k-th model trains with seed + k; the length a Trainer has no
      # use for is 0 (so that changing it re-runs nothing).
      small = settings.small_set is not None
      trainer = Trainer(
          examples=train_examples, schema=schema, hyperparameters=hyperparameters,
          custom_config={**settings.to_custom_config(),
                         CODE_VERSION: keys.code_of('training')},
          training_set=training_set, seed_index=k, pipeline_name=config.pipeline_name,
          epochs=0 if small else runtime.get('train.epochs', settings.epochs),
          small_steps=runtime.get('small_sets.steps', settings.small_set.steps)
          if small else 0,
          seed=runtime.get('train.seed', settings.seed),
          train_args=trainer_pb2.TrainArgs(splits=[TRAIN]),
          eval_args=trainer_pb2.EvalArgs(splits=[VALID, EVAL]),
      ).with_id(node_ids.trainer(training_set.name, k))
      trainer.add_upstream_node(data_gate)
      components.append(trainer)
      models[(training_set, k)] = trainer.outputs['model']

  transfer = variants_lib.parse(config.transfer)
  for training_set, train_examples, settings in training_sets:
    if transfer and training_set.recipe == identity.SMALL_SET and training_set.work == 1:
      # The set (and the full data at equal work) on other networks and recipes.
      node = Transfer(train_examples, settings, transfer, config.seeds, training_set,
                      config.pipeline_name, code_version=keys.code_of('transfer'))
      node.add_upstream_node(data_gate)
      components.append(node.with_id(node_ids.transfer(training_set.name)))

  # The latest full-data model blessed by an earlier run, as the full model's baseline:
  # locally by producer (the Trainer and Evaluator of the full set); compiled for
  # Kubeflow/Vertex, whose resolver query drops the producer, by the blessing's
  # training set, seed index and pipeline (kubeflow/compile.py, `restrict_queries`).
  latest_blessed = Resolver(
      strategy_class=LatestBlessedModelStrategy,
      model=Channel(type=standard_artifacts.Model,
                            producer_component_id=node_ids.trainer(full.name, 0),
                            output_key='model'),
      model_blessing=Channel(type=standard_artifacts.ModelBlessing,
                                     producer_component_id=node_ids.evaluator(
                                         full.name, 0),
                                     output_key='blessing'),
  ).with_id(node_ids.LATEST_BLESSED_FULL)
  components.append(latest_blessed)

  blessings, evaluations = {}, {}
  evaluation = config.eval
  for (training_set, k), model in models.items():
    if training_set.work > 1:
      continue  # a longer full-data curve: its learning curve is what the report reads
    if training_set == full:
      # The full-data model against its floor and the latest blessed full model.
      baseline = latest_blessed.outputs['model'] if k == 0 else None
      eval_config, floor, drop = full_eval_config(evaluation), 'full_min_accuracy', (
          'full_max_drop')
    else:
      # A small-set model (candidate) against the full-data model (baseline).
      baseline = models[(full, k)]
      eval_config, floor, drop = candidate_eval_config(evaluation), (
          'candidate_min_accuracy'), 'max_drop'
    evaluator = Evaluator(
        examples=examples, model=model, baseline_model=baseline, eval_config=eval_config,
        min_accuracy=runtime.get(f'eval.{floor}', getattr(evaluation, floor)),
        max_drop=runtime.get(f'eval.{drop}', getattr(evaluation, drop)),
        training_set=training_set, seed_index=k, pipeline_name=config.pipeline_name,
        code_version=keys.code_of('evaluation')).with_id(
            node_ids.evaluator(training_set.name, k))
    components.append(evaluator)
    blessings[(training_set, k)] = evaluator.outputs['blessing']
    evaluations[(training_set, k)] = evaluator.outputs['evaluation']

  for training_set, _, _ in training_sets:
    if training_set.is_full and training_set != full:
      continue  # full_same_steps: a baseline to compare with, not a model to serve
    name = training_set.name
    # Pushes the seed-0 model of this training set only if it was blessed.
    pusher = Pusher(
        model=models[(training_set, 0)], model_blessing=blessings[(training_set, 0)],
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(
                base_directory=f'{paths.serving_root}/{name}')),
        custom_config={CODE_VERSION: keys.code_of('pusher')},
    ).with_id(node_ids.pusher(name))
    components.append(pusher)
    if name in kip_sets:
      # Publishes the distilled set beside its model, in the pushed model's version.
      publisher = SetPublisher(
          kip_sets[name], blessings[(training_set, 0)], evaluations[(training_set, 0)],
          pusher.outputs['pushed_model'], f'{paths.sets_root}/{name}',
          code_version=keys.code_of('set_publisher'))
      components.append(publisher.with_id(node_ids.set_publisher(name)))

  # One page (and summary.json/.md) comparing every model of the run.
  components.append(report_of(components, config, keys.code_of('report')).with_id(
      node_ids.REPORT))

  return Pipeline(
      pipeline_name=config.pipeline_name, pipeline_root=paths.pipeline_root,
      components=components, enable_cache=config.enable_cache,
      metadata_connection_config=metadata_connection_config,
      beam_pipeline_args=list(beam_pipeline_args if beam_pipeline_args is not None
                              else config.beam_args))


def tune(node, runtime: Mapping[str, Any], setting: str) -> None:
  """Gives `node` the runtime values of `setting` ('section.field'; 'section.*' for
  every field of the section, 'distill.*' for every method's) among its execution
  parameters, in place."""
  section, _, field = setting.rpartition('.')
  for key, value in runtime.items():
    key_section, _, key_field = key.rpartition('.')
    if (key_section.split('.')[0] == section and field in ('*', key_field)
        and key_field in node.exec_properties):
      node.exec_properties[key_field] = value
