"""The Evaluator of every model: TFX's Evaluator with the accuracy floor and the largest
drop as parameters of its own (so that Kubeflow and Vertex can set them at
submission), and the model's training set written on its evaluation and blessing."""
