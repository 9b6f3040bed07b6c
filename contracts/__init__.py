"""What more than one part of tfx-distill relies on: the shared contracts.

Component folders, the Trainer, the Kubeflow compiler and the runners import these and
never each other's internals (a component folder's public face is its `spec.py`):

- formats: `example_format` (the tf.Example files and splits), `kip_format` (the
  published KIP `.npz`), `model_format` (serving signatures, `training.json`),
  `artifacts` (reading and writing Examples artifacts), `push` (versioned directories
  that appear complete or not at all: pushed models and published sets);
- names: `node_ids` (node and training-set names, built and parsed), `architectures`
  (the Trainer's networks);
- settings: `options` (how a setting declares its flag), `parameters` (settings <->
  component execution parameters and custom_config dicts);
- running: `errors` (user errors vs bugs), `files` (reads through tf.io.gfile),
  `progress` (progress lines on the terminal).
"""
