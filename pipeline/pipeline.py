"""`create_pipeline`: wires the tfx-distill components. Pure: it builds, never runs
(`cache_keys` brings what TFX's cache must see besides the settings; see cache_keys.py)."""

import dataclasses
from typing import List, Optional

from ml_metadata.proto import metadata_store_pb2
from tfx import v1 as tfx

from tfx_distill.contracts import lineage, node_ids
from tfx_distill.components.data_gate.component import DataGate
from tfx_distill.components.data_gate.distribution import (DRIFT, SKEW, SKEW_PAIRS,
                                                           SchemaDistributionValidator,
                                                           latest_statistics)
from tfx_distill.components.data_gate.schema_import import ImportSchemaGen
from tfx_distill.components.data_gate.statistics import StatisticsGen
from tfx_distill.components.data_gate.settings import INFER
from tfx_distill.components.distiller.component import Distiller
from tfx_distill.components.distiller.spec import DISTILLED_KEY, KIP_SET_KEY
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
from tfx_distill.pipeline.cache_keys import CacheKeys, code_versions
from tfx_distill.pipeline.config import PipelineConfig, PipelinePaths
from tfx_distill.blessing.eval_config import candidate_eval_config, full_eval_config
from tfx_distill.trainer.settings import TrainSettings

RUN_FN = 'tfx_distill.trainer.task.run_fn'
TUNER_FN = 'tfx_distill.trainer.tuner.tuner_fn'


def create_pipeline(config: PipelineConfig, paths: PipelinePaths,
                    metadata_connection_config: Optional[
                        metadata_store_pb2.ConnectionConfig] = None,
                    beam_pipeline_args: Optional[List[str]] = None,
                    cache_keys: Optional[CacheKeys] = None,
                    fingerprint_at_run_time: bool = False) -> tfx.dsl.Pipeline:
  """The whole experiment: ingest, validate, distil, train, evaluate, push (models, and
  the distilled sets of pushed candidates). Nothing trains before the DataGate passed.

  cache_keys: fingerprints of the inputs and the code (default: the code's only).
  fingerprint_at_run_time (compiled pipelines): the input files are fingerprinted by a
  SourceFingerprint step when the pipeline runs, instead of by `cache_keys`."""
  config.validate()
  keys = cache_keys or CacheKeys(code=code_versions())
  components = []
  source_fingerprint = keys.data
  if fingerprint_at_run_time:
    # The source's fingerprint as the run finds it, for Ingest's cache key.
    fingerprint = SourceFingerprint(config.ingest.data, config.ingest.tfds_options)
    components.append(fingerprint.with_id(node_ids.SOURCE_FINGERPRINT))
    source_fingerprint = fingerprint.fingerprint
  # Digits from the configured source -> stratified train/eval GZIP TFRecords.
  ingest = Ingest(config.ingest, source_fingerprint=source_fingerprint,
                  code_version=keys.code_of('ingest')).with_id(node_ids.INGEST)
  examples = ingest.outputs[EXAMPLES_KEY]
  validation = config.validation
  if validation.schema_file == INFER:
    # Statistics of every split, and a schema inferred from them (a first run's).
    statistics_gen = StatisticsGen(examples, config.pipeline_name)
    schema_gen = tfx.components.SchemaGen(
        statistics=statistics_gen.outputs['statistics'], infer_feature_shape=True)
    components += [ingest, statistics_gen, schema_gen]
  else:
    # The established schema (curated once), and statistics computed with it.
    schema_gen = ImportSchemaGen(validation.schema_file,
                                 code_version=keys.code_of('schema_import'))
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
  example_validator = tfx.components.ExampleValidator(statistics=statistics, schema=schema)
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
  components += [previous, example_validator, skew_check, drift_check, data_gate]

  hyperparameters = None
  if config.enable_tuner:
    # Searches learning rate, dropout and width for the full-data model.
    tuner = tfx.components.Tuner(
        tuner_fn=TUNER_FN, examples=examples, schema=schema,
        train_args=tfx.proto.TrainArgs(splits=[TRAIN]),
        eval_args=tfx.proto.EvalArgs(splits=[VALID]),
        custom_config={**config.train.to_custom_config(),
                       CODE_VERSION: keys.code_of('tuner')})
    tuner.add_upstream_node(data_gate)
    hyperparameters = tuner.outputs['best_hyperparameters']
    components.append(tuner)

  # Training sets: the full train split, each distilled candidate, each imported KIP
  # set: (examples with `train`, `valid` and `eval` splits, training settings). Every
  # small set trains with the same step recipe, sized by run_fn on the set it reads.
  small_set_settings = config.small_sets.settings_for(config.train)
  training_sets = {node_ids.FULL: (examples, config.train)}
  if config.equal_work_baseline:
    # The full train split with the small sets' step recipe: the baseline at equal work.
    training_sets[node_ids.FULL_SAME_STEPS] = (examples, small_set_settings)
  kip_sets = {}  # distilled candidate -> its set in the published KIP format
  for candidate in config.candidates:
    # A small set of images per class made from the train split.
    node_id = node_ids.distiller(candidate.name)
    node = Distiller(examples, candidate.method, candidate.images_per_class,
                     config.distill.settings(candidate.method),
                     checkpoint_dir=paths.checkpoint_dir(node_id),
                     code_version=keys.code_of('distiller'),
                     architecture=config.train.architecture).with_id(node_id)
    node.add_upstream_node(data_gate)
    components.append(node)
    training_sets[candidate.name] = (node.outputs[DISTILLED_KEY], small_set_settings)
    kip_sets[candidate.name] = node.outputs[KIP_SET_KEY]
  for index, path in enumerate(config.kip_sets):
    kip_fingerprint = keys.kip_set(index)
    if fingerprint_at_run_time:
      fingerprint = SourceFingerprint(f'npz:{path}')
      components.append(fingerprint.with_id(node_ids.kip_fingerprint(index)))
      kip_fingerprint = fingerprint.fingerprint
    # A published KIP .npz, validated and brought into the pipeline's pixel space.
    node = KipImport(path=path, examples=examples, source_fingerprint=kip_fingerprint,
                     code_version=keys.code_of('kip_import')).with_id(
                         node_ids.kip_import(index))
    node.add_upstream_node(data_gate)
    components.append(node)
    training_sets[node_ids.kip_set(index)] = (node.outputs[IMPORTED_KEY],
                                              small_set_settings)

  models = {}
  for name, (train_examples, settings) in training_sets.items():
    for k in range(config.seeds):
      # The CNN trained on one training set with one seed (`valid`: real held-out
      # images for early stopping and calibration; `eval`: its learning curve, for the
      # report only).
      trainer = tfx.components.Trainer(
          run_fn=RUN_FN, examples=train_examples, schema=schema,
          hyperparameters=hyperparameters,
          train_args=tfx.proto.TrainArgs(splits=[TRAIN]),
          eval_args=tfx.proto.EvalArgs(splits=[VALID, EVAL]),
          custom_config={**trainer_settings(settings, k).to_custom_config(),
                         CODE_VERSION: keys.code_of('trainer')},
      ).with_id(node_ids.trainer(name, k))
      trainer.add_upstream_node(data_gate)
      components.append(trainer)
      models[(name, k)] = trainer.outputs['model']
      # Its training set on the model (written by the orchestrator; see lineage.py).
      models[(name, k)].additional_custom_properties.update(
          lineage.model_properties(name, config.pipeline_name, k))

  # The latest full-data model blessed by an earlier run, as the full model's baseline:
  # locally by producer (the Trainer and Evaluator of the full set); compiled for
  # Kubeflow/Vertex, whose resolver query drops the producer, by the blessing's
  # training set, seed index and pipeline (kubeflow/compile.py, `restrict_queries`).
  latest_blessed = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model,
                            producer_component_id=node_ids.trainer(node_ids.FULL, 0),
                            output_key='model'),
      model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing,
                                     producer_component_id=node_ids.evaluator(
                                         node_ids.FULL, 0),
                                     output_key='blessing'),
  ).with_id(node_ids.LATEST_BLESSED_FULL)
  components.append(latest_blessed)

  blessings, evaluations = {}, {}
  for (name, k), model in models.items():
    if name == node_ids.FULL:
      # The full-data model against its floor and the latest blessed full model.
      evaluator = tfx.components.Evaluator(
          examples=examples, model=model,
          baseline_model=latest_blessed.outputs['model'] if k == 0 else None,
          eval_config=full_eval_config(config.eval))
    else:
      # A small-set model (candidate) against the full-data model (baseline).
      evaluator = tfx.components.Evaluator(
          examples=examples, model=model, baseline_model=models[(node_ids.FULL, k)],
          eval_config=candidate_eval_config(config.eval))
    evaluator = evaluator.with_id(node_ids.evaluator(name, k))
    evaluator.outputs['blessing'].additional_custom_properties.update(
        lineage.model_properties(name, config.pipeline_name, k))
    components.append(evaluator)
    blessings[(name, k)] = evaluator.outputs['blessing']
    evaluations[(name, k)] = evaluator.outputs['evaluation']

  for name in training_sets:
    if name == node_ids.FULL_SAME_STEPS:
      continue  # a baseline to compare with, not a model to serve
    # Pushes the seed-0 model of this training set only if it was blessed.
    pusher = Pusher(
        model=models[(name, 0)], model_blessing=blessings[(name, 0)],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=f'{paths.serving_root}/{name}')),
        custom_config={CODE_VERSION: keys.code_of('pusher')},
    ).with_id(node_ids.pusher(name))
    components.append(pusher)
    if name in kip_sets:
      # Publishes the distilled set beside its model, in the pushed model's version.
      publisher = SetPublisher(
          kip_sets[name], blessings[(name, 0)], evaluations[(name, 0)],
          pusher.outputs['pushed_model'], f'{paths.sets_root}/{name}',
          code_version=keys.code_of('set_publisher'))
      components.append(publisher.with_id(node_ids.set_publisher(name)))

  # One page (and summary.json/.md) comparing every model of the run.
  components.append(report_of(components, config, keys.code_of('report')).with_id(
      node_ids.REPORT))

  return tfx.dsl.Pipeline(
      pipeline_name=config.pipeline_name, pipeline_root=paths.pipeline_root,
      components=components, enable_cache=config.enable_cache,
      metadata_connection_config=metadata_connection_config,
      beam_pipeline_args=list(beam_pipeline_args if beam_pipeline_args is not None
                              else config.beam_args))


def trainer_settings(settings: TrainSettings, seed_index: int) -> TrainSettings:
  """The settings of the seed_index-th model of a training set."""
  return dataclasses.replace(settings, seed=settings.seed + seed_index)
