"""Training the CNNs of tfx-distill: TFX Trainer and Tuner module code.

Wiring (code installed in the pipeline image, so no module_file upload):

    trainer = tfx.components.Trainer(
        run_fn='tfx_distill.trainer.task.run_fn', examples=...,
        schema=schema_gen.outputs['schema'],
        train_args=tfx.proto.TrainArgs(splits=['train']),
        eval_args=tfx.proto.EvalArgs(splits=['valid']),
        custom_config=TrainSettings(epochs=30, ...).to_custom_config(),  # full set
        # or SmallSetTraining(steps=300).settings_for(settings).to_custom_config()
        hyperparameters=tuner.outputs['best_hyperparameters'])  # optional
    tuner = tfx.components.Tuner(
        tuner_fn='tfx_distill.trainer.tuner.tuner_fn', examples=..., schema=...,
        train_args=..., eval_args=...,
        custom_config={**settings.to_custom_config(), 'tuner': 'random', 'max_trials': 4})

Modules: settings (TrainSettings, SmallSetTraining <-> custom_config), recipe (the plan
of a run from its settings and the set's size), inputs (FnArgs checked and read with
the schema), schema (SchemaGen's schema checked), data (input pipeline), model (the
seed CNN and the KIP ConvNet), fit (the one training core: batches, network, timed
fit, early stopping and learning curve, which run_fn and bench/short_training.py both
train through; the Tuner's trials share its network and batches), strategy
(distribution strategies), timing (timed fit), curve (the learning curve on the eval
split), progress (lines on the terminal), calibration (temperature and ECE), export
(SavedModel signatures), tensorboard (scalars after fit), task (run_fn: the Trainer's
arguments read, `fit`, calibration, export, training.json), tuner (tuner_fn), replica
(the Trainer executor every replica of a Vertex AI CustomJob runs).
"""
