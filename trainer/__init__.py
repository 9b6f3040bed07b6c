"""Training the CNNs of tfx-distill: TFX Trainer and Tuner module code.

Wiring (code installed in the pipeline image, so no module_file upload):

    trainer = tfx.components.Trainer(
        run_fn='tfx_distill.trainer.task.run_fn', examples=...,
        custom_config=TrainSettings(epochs=8, ...).to_custom_config(),
        hyperparameters=tuner.outputs['best_hyperparameters'])  # optional
    tuner = tfx.components.Tuner(
        tuner_fn='tfx_distill.trainer.tuner.tuner_fn', examples=..., train_args=...,
        eval_args=..., custom_config={**settings.to_custom_config(), 'tuner': 'random',
                                      'max_trials': 4})

Modules: settings (TrainSettings <-> custom_config), data (input pipeline), model (the
seed CNN and the KIP ConvNet), strategy (distribution strategies), timing (timed fit),
export (SavedModel signatures), tensorboard (scalars after fit), task (run_fn), tuner
(tuner_fn).
"""
