"""What more than one part of tfx-distill relies on: the shared contracts.

Component folders, the Trainer, the Kubeflow compiler and the runners import these and
never each other's internals (a component folder's public face is its `spec.py`):

- data: `sources` (the table of data sources: names, readers, fingerprints; the bundled
  digits in `data/`), `example_format` (the tf.Example files and splits), `artifacts`
  (reading and writing Examples artifacts), `kip_format` (the published KIP `.npz`);
- models: `model_format` (serving signatures, `training.json`), `learning_curve` (the
  eval-split curve in it, and how to read it), `identity` (what a model is trained on,
  typed, on its artifacts), `push` (versioned directories that appear complete or not at all:
  pushed models and published sets);
- names: `node_ids` (node ids: labels, built, never parsed), `architectures` (the
  Trainer's networks);
- settings: `options` (how a setting declares its flag), `parameters` (settings <->
  execution parameters and JSON dicts: the one serializer);
- running: `errors` (user errors vs bugs), `files` (reads and fingerprints through
  tf.io.gfile), `progress` (progress lines on the terminal).
"""
