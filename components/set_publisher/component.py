"""The SetPublisher component: publishes a distilled candidate's set beside its pushed
model (`<base_directory>/<version>/kip_set.npz` and `kip_set.json`) when that model was
blessed, so that the set can be taken to another framework."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils

from tfx_distill.contracts.parameters import CODE_VERSION
from tfx_distill.components.set_publisher import executor
from tfx_distill.components.set_publisher.spec import (BASE_DIRECTORY_KEY, BLESSING_KEY,
                                                       EVALUATION_KEY, KIP_SET_KEY,
                                                       PUBLISHED_SET_KEY, PUSHED_MODEL_KEY,
                                                       PublishedSet, SetPublisherSpec)


class SetPublisher(base_component.BaseComponent):
  """Publishes `kip_set` to `base_directory/<pushed version>` if `model_blessing` is
  blessed and `pushed_model` pushed; records accuracy and ECE from `evaluation`."""

  SPEC_CLASS = SetPublisherSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, kip_set, model_blessing, evaluation, pushed_model,
               base_directory: str, code_version: str = ''):
    """code_version: for TFX's cache (pipeline/cache_keys.py). The settings the set
    was made with come with it (the KipSet's `distill_settings`)."""
    spec = SetPublisherSpec(**{
        KIP_SET_KEY: kip_set, BLESSING_KEY: model_blessing, EVALUATION_KEY: evaluation,
        PUSHED_MODEL_KEY: pushed_model, BASE_DIRECTORY_KEY: base_directory,
        CODE_VERSION: code_version,
        PUBLISHED_SET_KEY: channel_utils.as_channel([PublishedSet()])})
    super().__init__(spec=spec)
