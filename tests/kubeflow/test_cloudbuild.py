"""kubeflow/cloudbuild.yaml builds the image Cloud Build's way (`gcloud builds submit`,
for users without Docker) from the same Dockerfile and context as `docker build`. Read
here, not run: Cloud Build needs a project."""

import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_cloud_build_builds_the_dockerfile_and_pushes_the_image():
  with open(os.path.join(REPO, 'kubeflow', 'cloudbuild.yaml'), encoding='utf-8') as f:
    config = yaml.safe_load(f)
  [step] = config['steps']
  assert step['name'] == 'gcr.io/cloud-builders/docker'
  assert step['args'] == ['build', '-f', 'kubeflow/Dockerfile', '-t', '${_IMAGE}', '.']
  assert os.path.exists(os.path.join(REPO, step['args'][2]))
  assert config['images'] == ['${_IMAGE}']  # pushed when the build succeeds
  with open(os.path.join(REPO, 'kubeflow', 'README.md'), encoding='utf-8') as f:
    assert '--config=kubeflow/cloudbuild.yaml' in f.read()
