"""A Distiller's execution parameters are its method's settings only, so a setting of one
method leaves the other methods' Distillers cached. Counted from ML Metadata: two
partial runs (LocalDagRunner `to_nodes`: the nfr and the KIP Distiller and what they
wait for) of a tiny config on one pipeline root, the second with another `--width` (a
KIP-only setting), both configs made by the command line's own parser."""

import pytest
from tfx import v1 as tfx
from tfx.orchestration.pipeline import RunOptions

from tfx_distill.pipeline import cli
from tfx_distill.pipeline.cache_keys import cache_keys
from tfx_distill.pipeline.cli.options import config_from_args
from tfx_distill.pipeline.local_runner import local_paths
from tfx_distill.pipeline.pipeline import create_pipeline
from tests.run_history import runs

DISTILLERS = ('Distiller_nfr_1', 'Distiller_kip_1')
# 600 bundled digits (432 in the train split), two steps of each method.
FLAGS = ['--preset', 'smoke', '--candidates', 'nfr:1,kip:1', '--max-examples', '600',
         '--steps', '2', '--holdout', '100']


def config_of(*flags):
  return config_from_args(cli.build_parser().parse_args(['run', *FLAGS, *flags]))


def run_distillers(config, root):
  """Runs the pipeline up to the two Distillers; {node id: execution state}."""
  paths = local_paths(root)
  pipeline = create_pipeline(
      config, paths, cache_keys=cache_keys(config.ingest, config.kip_sets),
      metadata_connection_config=tfx.orchestration.metadata
      .sqlite_metadata_connection_config(paths.metadata_path))
  tfx.orchestration.LocalDagRunner().run(pipeline, run_options=RunOptions(
      to_nodes=list(DISTILLERS)))
  return {node: execution.state for node, execution in runs(paths.metadata_path)[-1].items()}


@pytest.fixture(scope='module')
def history(tmp_path_factory):
  root = str(tmp_path_factory.mktemp('distiller_cache') / 'root')
  first, second = config_of('--width', '32'), config_of('--width', '16')
  return first, second, [run_distillers(first, root), run_distillers(second, root)]


def test_width_is_a_parameter_of_the_kip_distiller_only(history):
  first, second, _ = history
  assert (first.distill.kip.width, second.distill.kip.width) == (32, 16)
  assert first.distill.nfr == second.distill.nfr
  nodes = {c.id: c for c in create_pipeline(second, local_paths('/tmp/never-written'))
           .components}
  assert nodes['Distiller_kip_1'].exec_properties['width'] == 16
  assert 'width' not in nodes['Distiller_nfr_1'].exec_properties


def test_changing_width_leaves_the_nfr_distiller_cached(history):
  _, _, (before, after) = history
  assert {before[node] for node in DISTILLERS} == {'COMPLETE'}
  assert after['Distiller_nfr_1'] == 'CACHED'
  assert after['Distiller_kip_1'] == 'COMPLETE'
  # Nothing upstream ran again either, but for the drift check (its baseline is now
  # the first run's statistics, as in test_cache_keys.py) and the gate that reads it;
  # the resolver of those statistics is no execution to reuse.
  assert {node for node, state in after.items()
          if state != 'CACHED' and node != 'LatestStatistics'} == {
              'Distiller_kip_1', 'DistributionValidator_drift', 'DataGate'}
