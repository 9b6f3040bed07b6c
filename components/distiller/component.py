"""The Distiller component: a train split in, a tiny distilled set out (as Examples for
the Trainer and as a `.npz` in the published KIP format)."""

from typing import Optional

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts

from tfx_distill.components.distiller import executor
from tfx_distill.components.distiller.methods import settings_of
from tfx_distill.components.distiller.settings import MethodSettings
from tfx_distill.components.distiller.spec import (ARCHITECTURE_KEY, CHECKPOINT_DIR_KEY,
                                                   DISTILLED_KEY, EXAMPLES_KEY,
                                                   IMAGES_PER_CLASS_KEY, KIP_SET_KEY,
                                                   METHOD_KEY, DistillerSpec, KipSet,
                                                   spec_class)
from tfx_distill.contracts.architectures import ARCHITECTURES
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.parameters import CODE_VERSION, to_parameters


class Distiller(base_component.BaseComponent):
  """Distils the `train` split of `examples` with `method` (a method of the table,
  methods.py) and its `settings` into
  `images_per_class` images per class; nfr for networks of the Trainer's
  `architecture`. Its execution parameters are the method's settings fields only."""

  SPEC_CLASS = DistillerSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, examples, method: str, images_per_class: int,
               settings: Optional[MethodSettings] = None, checkpoint_dir: str = '',
               code_version: str = '', architecture: str = 'seed_cnn'):
    """settings: the method's (its settings class in the table; default its defaults,
    e.g. `config.distill.settings(method)`); checkpoint_dir: where an interrupted nfr
    or KIP run's checkpoint survives for the next execution ('' = none); code_version:
    for TFX's cache (pipeline/cache_keys.py); architecture: the Trainer's
    (config.train.architecture)."""
    # The method and its size are checked where a run is configured
    # (PipelineConfig.validate) and where it runs (distill.distill).
    settings = settings_of(method, settings)
    check(architecture in ARCHITECTURES,
          f'architecture must be one of {ARCHITECTURES}, got {architecture!r}')
    spec = spec_class(method)(**{
        EXAMPLES_KEY: examples, METHOD_KEY: method, IMAGES_PER_CLASS_KEY: images_per_class,
        ARCHITECTURE_KEY: architecture,
        **to_parameters(settings.validate()), CHECKPOINT_DIR_KEY: checkpoint_dir,
        CODE_VERSION: code_version,
        DISTILLED_KEY: channel_utils.as_channel([standard_artifacts.Examples()]),
        KIP_SET_KEY: channel_utils.as_channel([KipSet()])})
    super().__init__(spec=spec)
