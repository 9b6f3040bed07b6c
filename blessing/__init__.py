"""When a model is blessed, in one place: the thresholds (`settings.EvalSettings`), the
TFMA EvalConfigs that apply them and their runtime values (`eval_config`), the expected
calibration error and its TFMA metric (`ece`, `ece_metric`), accuracy and log loss as
NumPy TFMA metrics (`multiclass_metrics`), and the Evaluator's result
read back with the threshold that decided (`result`). The pipeline builds its
Evaluators from it (components/evaluation sets a run's thresholds), the report and the
SetPublisher read evaluations with it."""
