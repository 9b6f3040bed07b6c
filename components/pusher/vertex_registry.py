"""Vertex AI Model Registry for pushed models: every blessed model the Pusher pushed to
`serving/<training set>/<version>/` is also uploaded as a version of the registry model
`<pipeline>-<training set>`, labelled with its training set (its family), its pipeline,
its pushed version and its accuracy; optionally the pushes of one training set are
deployed to an endpoint.

Why not TFX's Vertex Pusher (tfx.extensions.google_cloud_ai_platform.pusher, 1.16): it
uploads a model named `v<unix time>` without labels (the labels it is given go to the
endpoint only, and only when it creates the endpoint), and it always deploys, taking
100% of the endpoint's traffic: with one Pusher per training set, the last blessed
distilled model would take the traffic from the full model. This module reads the same
custom_config keys (`ai_platform_enable_vertex`, `ai_platform_vertex_region`,
`ai_platform_vertex_container_image_uri`, `ai_platform_serving_args`) and does what it
does with them, with the registry's model versions, labels, and deployment by choice.

custom_config (built by kubeflow/model_registry.py):
- ENABLE_VERTEX_KEY: True; VERTEX_REGION_KEY: the region;
  VERTEX_CONTAINER_IMAGE_URI_KEY: the prediction container (a prebuilt TensorFlow one);
- SERVING_ARGS_KEY: {'project': ..., and, to deploy: 'endpoint_name', 'machine_type',
  'min_replica_count', 'max_replica_count'} (TFX's keys; the rest are
  `Model.deploy` arguments as with TFX);
- REGISTRY_KEY: {'display_name': ..., 'labels': {...}}: the registry model and the
  labels every version gets; the executor adds the accuracy and the pushed version.

Label values (Vertex: lower-case letters, digits, '_' and '-', at most 63 characters)
say accuracy as a percentage with '_' for the decimal point: `accuracy_percent: 98_23`;
the exact values are in the description and in the version's own description (which
stays with the version should Vertex keep labels per model rather than per version).
"""

import re
from typing import Any, Dict, Optional

from tfx.extensions.google_cloud_ai_platform import constants

REGISTRY_KEY = 'tfx_distill_model_registry'
DISPLAY_NAME, LABELS = 'display_name', 'labels'
ENDPOINT_NAME = 'endpoint_name'
# Custom properties of the PushedModel.
VERTEX_MODEL = 'vertex_model'  # the uploaded version's resource name
VERTEX_ENDPOINT = 'vertex_endpoint'  # the endpoint it was deployed to, if any
_LABEL = re.compile(r'[^a-z0-9_-]')


def label_value(value: str) -> str:
  """A Vertex label value: lower case, [a-z0-9_-], at most 63 characters."""
  return _LABEL.sub('_', str(value).lower())[:63]


def accuracy_label(accuracy: Optional[float]) -> str:
  """0.98234 -> '98_23' (percent, two decimals); None -> 'unknown'."""
  if accuracy is None:
    return 'unknown'
  return f'{100 * accuracy:.2f}'.replace('.', '_')


def version_labels(labels: Dict[str, str], accuracy: Optional[float],
                   version: str) -> Dict[str, str]:
  """The labels of one uploaded version."""
  return {**{key: label_value(value) for key, value in labels.items()},
          'accuracy_percent': accuracy_label(accuracy),
          'pushed_version': label_value(version)}


def description(display_name: str, accuracy: Optional[float],
                calibration_error: Optional[float], serving_path: str) -> str:
  def number(value):
    return 'unknown' if value is None else f'{value:.4f}'
  return (f'{display_name}: accuracy {number(accuracy)}, expected calibration error '
          f'{number(calibration_error)} on the eval split (TFMA); blessed; pushed to '
          f'{serving_path}')


def upload(custom_config: Dict[str, Any], serving_path: str, version: str,
           accuracy: Optional[float],
           calibration_error: Optional[float]) -> Dict[str, str]:
  """Uploads the pushed model at `serving_path` (gs://.../serving/<set>/<version>) as a
  new default version of the registry model (created by the first upload), deploys it
  if the serving args name an endpoint, and returns the PushedModel's custom properties
  ({VERTEX_MODEL: ..., VERTEX_ENDPOINT: ...})."""
  from google.cloud import aiplatform  # pylint: disable=g-import-not-at-top
  registry = custom_config[REGISTRY_KEY]
  serving_args = dict(custom_config[constants.SERVING_ARGS_KEY])
  display_name = registry[DISPLAY_NAME]
  aiplatform.init(project=serving_args.pop('project'),
                  location=custom_config[constants.VERTEX_REGION_KEY])
  existing = aiplatform.Model.list(filter=f'display_name="{display_name}"')
  model = aiplatform.Model.upload(
      display_name=display_name, artifact_uri=serving_path,
      serving_container_image_uri=custom_config[constants.VERTEX_CONTAINER_IMAGE_URI_KEY],
      parent_model=existing[0].resource_name if existing else None,
      is_default_version=True,
      labels=version_labels(registry[LABELS], accuracy, version),
      description=description(display_name, accuracy, calibration_error, serving_path),
      version_description=(f'pushed version {version}: '
                           + description(display_name, accuracy, calibration_error,
                                         serving_path)), sync=True)
  found = {VERTEX_MODEL: model.versioned_resource_name}
  endpoint_name = serving_args.pop(ENDPOINT_NAME, None)
  if endpoint_name:
    endpoints = aiplatform.Endpoint.list(filter=f'display_name="{endpoint_name}"')
    endpoint = (endpoints[0] if endpoints else aiplatform.Endpoint.create(
        display_name=endpoint_name, labels={'model': label_value(display_name)}))
    earlier = [deployed.id for deployed in endpoint.list_models()
               if deployed.display_name == display_name]
    model.deploy(endpoint=endpoint, deployed_model_display_name=display_name,
                 traffic_percentage=100, sync=True, **serving_args)
    for deployed_id in earlier:  # the versions this one replaces (no traffic left)
      endpoint.undeploy(deployed_model_id=deployed_id, sync=True)
    found[VERTEX_ENDPOINT] = endpoint.resource_name
  return found
