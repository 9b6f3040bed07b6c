"""`create_pipeline`: wires the tfx-distill components. Pure: it builds, never runs."""

from typing import Dict, List, Optional

from ml_metadata.proto import metadata_store_pb2
from tfx import v1 as tfx

from components.distiller.component import Distiller
from components.example_format import NUM_CLASSES
from components.ingest.component import Ingest
from components.kip_import.component import KipImport
from components.report.component import report_of
from pipeline.config import Candidate, PipelineConfig, PipelinePaths
from pipeline.evaluation import candidate_eval_config, full_eval_config

FULL = 'full'
RUN_FN = 'trainer.task.run_fn'
TUNER_FN = 'trainer.tuner.tuner_fn'


def trainer_config(config: PipelineConfig, epochs: int, seed: int,
                   small_set: bool = False) -> Dict:
  """The custom_config a Trainer hands to `trainer.task.run_fn`."""
  train = config.train
  return {
      'epochs': epochs, 'batch_size': train.batch_size,
      'learning_rate': train.learning_rate, 'architecture': train.architecture,
      'label_loss': train.label_loss, 'clip_images': train.clip_images,
      'augment': small_set and train.augment_distilled,
      'strategy': train.strategy, 'seed': seed,
  }


def distiller(config: PipelineConfig, examples, candidate: Candidate) -> Distiller:
  return Distiller(examples=examples, method=candidate.method,
                   images_per_class=candidate.images_per_class,
                   settings=config.distill).with_id(f'Distiller_{candidate.name}')


def kip_set_name(index: int) -> str:
  return f'kipset_{index}'


def create_pipeline(config: PipelineConfig, paths: PipelinePaths,
                    metadata_connection_config: Optional[
                        metadata_store_pb2.ConnectionConfig] = None,
                    beam_pipeline_args: Optional[List[str]] = None) -> tfx.dsl.Pipeline:
  """The whole experiment: ingest, validate, distil, train, evaluate, push."""
  config.validate()
  components = []
  ing = config.ingest
  # Digits from the configured source -> stratified train/eval GZIP TFRecords.
  ingest = Ingest(data=ing.data, eval_fraction=ing.eval_fraction,
                  eval_source=ing.eval_source, max_examples=ing.max_examples,
                  seed=ing.seed, tfds_data_dir=ing.tfds_data_dir,
                  tfds_manual_dir=ing.tfds_manual_dir)
  examples = ingest.outputs['examples']
  # Dataset statistics of both splits.
  statistics_gen = tfx.components.StatisticsGen(examples=examples)
  # A schema inferred from the statistics.
  schema_gen = tfx.components.SchemaGen(statistics=statistics_gen.outputs['statistics'],
                                        infer_feature_shape=True)
  # Anomalies of the data against the schema.
  example_validator = tfx.components.ExampleValidator(
      statistics=statistics_gen.outputs['statistics'],
      schema=schema_gen.outputs['schema'])
  components += [ingest, statistics_gen, schema_gen, example_validator]

  hyperparameters = None
  if config.enable_tuner:
    # Searches learning rate, dropout and width for the full-data model.
    tuner = tfx.components.Tuner(
        tuner_fn=TUNER_FN, examples=examples,
        train_args=tfx.proto.TrainArgs(splits=['train']),
        eval_args=tfx.proto.EvalArgs(splits=['eval']),
        custom_config=trainer_config(config, config.train.epochs, config.train.seed))
    hyperparameters = tuner.outputs['best_hyperparameters']
    components.append(tuner)

  # Training sets: the full train split, each distilled candidate, each imported KIP set.
  training_sets = {FULL: (examples, 'eval', config.train.epochs)}
  for candidate in config.candidates:
    # A small set of images per class made from the train split.
    node = distiller(config, examples, candidate)
    components.append(node)
    training_sets[candidate.name] = (node.outputs['distilled'], 'train',
                                     config.train.epochs_for(
                                         NUM_CLASSES * candidate.images_per_class))
  for index, path in enumerate(config.kip_sets):
    # A published KIP .npz, validated and brought into the pipeline's pixel space.
    node = KipImport(examples=examples, path=path).with_id(f'KipImport_{index}')
    components.append(node)
    training_sets[kip_set_name(index)] = (node.outputs['examples'], 'train',
                                          config.train.distilled_epochs)

  models = {}
  for name, (train_examples, eval_split, epochs) in training_sets.items():
    for k in range(config.train.seeds):
      # The CNN trained on one training set with one seed.
      trainer = tfx.components.Trainer(
          run_fn=RUN_FN, examples=train_examples, hyperparameters=hyperparameters,
          train_args=tfx.proto.TrainArgs(splits=['train']),
          eval_args=tfx.proto.EvalArgs(splits=[eval_split]),
          custom_config=trainer_config(config, epochs, config.train.seed + k,
                                       small_set=name != FULL),
      ).with_id(f'Trainer_{name}_s{k}')
      components.append(trainer)
      models[(name, k)] = trainer.outputs['model']

  # The latest full-data model blessed by an earlier run, as the full model's baseline.
  latest_blessed = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model,
                            producer_component_id=f'Trainer_{FULL}_s0',
                            output_key='model'),
      model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing,
                                     producer_component_id=f'Evaluator_{FULL}_s0',
                                     output_key='blessing'),
  ).with_id('LatestBlessedFullModel')
  components.append(latest_blessed)

  blessings = {}
  for (name, k), model in models.items():
    if name == FULL:
      # The full-data model against its floor and the latest blessed full model.
      evaluator = tfx.components.Evaluator(
          examples=examples, model=model,
          baseline_model=latest_blessed.outputs['model'] if k == 0 else None,
          eval_config=full_eval_config(config.eval))
    else:
      # A small-set model (candidate) against the full-data model (baseline).
      evaluator = tfx.components.Evaluator(
          examples=examples, model=model, baseline_model=models[(FULL, k)],
          eval_config=candidate_eval_config(config.eval))
    evaluator = evaluator.with_id(f'Evaluator_{name}_s{k}')
    components.append(evaluator)
    blessings[(name, k)] = evaluator.outputs['blessing']

  for name in training_sets:
    # Pushes the seed-0 model of this training set only if it was blessed.
    pusher = tfx.components.Pusher(
        model=models[(name, 0)], model_blessing=blessings[(name, 0)],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=f'{paths.serving_root}/{name}'))).with_id(f'Pusher_{name}')
    components.append(pusher)

  # One page (and summary.json/.md) comparing every model of the run.
  components.append(report_of(components, config).with_id('Report'))

  return tfx.dsl.Pipeline(
      pipeline_name=config.name, pipeline_root=paths.pipeline_root,
      components=components, enable_cache=config.enable_cache,
      metadata_connection_config=metadata_connection_config,
      beam_pipeline_args=list(beam_pipeline_args if beam_pipeline_args is not None
                              else config.beam_args))
