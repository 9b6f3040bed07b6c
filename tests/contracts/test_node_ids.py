"""Producer node ids from artifact uris: local runner, Kubeflow and Vertex spellings."""

import pytest

from tfx_distill.contracts.node_ids import Producer, parse_node_id, producer_of


@pytest.mark.parametrize('uri, expected', [
    ('/r/pipeline/Trainer_kip_1_s0/model_run/7', Producer('trainer', 'kip_1', 0)),
    ('/r/pipeline/Evaluator_random_50_s2/evaluation/12', Producer('evaluator', 'random_50', 2)),
    ('/r/pipeline/Distiller_kip_50/distilled/3', Producer('distiller', 'kip_50')),
    ('/r/pipeline/KipImport_0/examples/4', Producer('kipimport', 'kipset_0')),
    ('/r/pipeline/Trainer_kipset_0_s1/model/9', Producer('trainer', 'kipset_0', 1)),
    ('/r/pipeline/Pusher_full/pushed_model/20', Producer('pusher', 'full')),
    ('/r/pipeline/SetPublisher_kip_1/published_set/21', Producer('setpublisher', 'kip_1')),
    ('/r/pipeline/Ingest/examples/1', Producer('ingest')),
    ('/r/pipeline/DataGate/check/5', Producer('datagate')),
    # Kubeflow / Vertex: lower case, '-' for '_', a task id suffix, gs:// roots.
    ('gs://b/root/123/tfx-distill-2026/trainer-kip-1-s0_456/model_run',
     Producer('trainer', 'kip_1', 0)),
    ('gs://b/root/evaluator-full-s0/evaluation', Producer('evaluator', 'full', 0)),
    ('gs://b/root/distiller-kip-50_789/distilled', Producer('distiller', 'kip_50')),
    ('gs://b/root/kipimport-1/examples', Producer('kipimport', 'kipset_1')),
    ('gs://b/root/setpublisher-random-10_42/published_set',
     Producer('setpublisher', 'random_10')),
])
def test_producer_of(uri, expected):
  assert producer_of(uri) == expected


def test_unknown_uris_and_ids():
  assert producer_of('/tmp/somewhere/else/5') is None
  assert parse_node_id('StatisticsGen') is None
  assert parse_node_id('Trainer_full') is None  # a trainer without a seed
