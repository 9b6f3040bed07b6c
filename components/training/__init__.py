"""The Trainer of every training set: TFX's Trainer with its length, its seed and its
training set as parameters of its own (so that Kubeflow and Vertex can set them at
submission), and the training set written on its outputs."""
