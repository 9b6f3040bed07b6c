"""The distillation hyperparameters, defined once: the pipeline's config
(`pipeline.config.DistillConfig`), the Distiller component's parameters and the
standalone `tfx-distill distill` all use this class."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class DistillSettings:
  """How distilled sets are made (shared by every distilled candidate).

  kip: `steps` Adam steps of `learning_rate` on the support images (and labels when
  `learn_labels`), class-balanced target batches of `target_batch` from the pool,
  `kernel` conv_rf (random ConvNets of `width` channels, `num_networks` per step, new
  ones every `refresh_every` steps, the pool's features cached in between) or fc_ntk,
  ridge `ridge * trace(K)/n`. logreg uses steps, learning_rate, target_batch. herding
  uses num_networks random ConvNets' features. `time_budget_s` (0 = none) stops early
  and keeps the best set."""
  steps: int = 200
  learning_rate: float = 0.01
  kernel: str = 'conv_rf'
  learn_labels: bool = True
  target_batch: int = 1000
  num_networks: int = 2
  width: int = 128
  refresh_every: int = 1
  ridge: float = 1e-6
  seed: int = 0
  time_budget_s: float = 0.0
