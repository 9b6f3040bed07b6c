"""Training the CNNs of tfx-distill: TFX Trainer and Tuner module code.

Wiring (code installed in the pipeline image, so no module_file upload):

    trainer = tfx.components.Trainer(
        run_fn='trainer.task.run_fn', examples=..., custom_config={
            'epochs': 8, 'batch_size': 250, 'learning_rate': 1e-3,
            'architecture': 'seed_cnn', 'label_loss': 'mse', 'clip_images': True,
            'strategy': 'auto', 'seed': 0},
        hyperparameters=tuner.outputs['best_hyperparameters'])  # optional
    tuner = tfx.components.Tuner(
        tuner_fn='trainer.tuner.tuner_fn', examples=..., train_args=...,
        eval_args=..., custom_config={..., 'tuner': 'random', 'max_trials': 4})

Modules: settings (custom_config -> TrainerSettings), data (input pipeline), model (the
seed CNN and the KIP ConvNet), strategy (distribution strategies), timing (timed fit),
export (SavedModel signatures), record (training.json and TensorBoard), task (run_fn),
tuner (tuner_fn), vertex (the Vertex worker-pool custom_config).
"""
