"""The Report executor on a synthetic two-seed run (fixtures in conftest.py), and the
`report` subcommand on an ML Metadata store that records the same artifacts."""

import json
import os
import re

import pytest
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.types.artifact_utils import get_artifact_type_class

from tfx_distill.pipeline import cli
from tfx_distill.components.report.render import INDEX_HTML, SUMMARY_JSON, SUMMARY_MD
from tests.report.fake_run import ALLOWED_ANOMALY


def test_summary_json_rows(report_dir):
  with open(os.path.join(report_dir, SUMMARY_JSON), encoding='utf-8') as handle:
    summary = json.load(handle)
  rows = {row['training_set']: row for row in summary['rows']}
  assert [row['training_set'] for row in summary['rows']] == ['full', 'random_1', 'kip_1']
  full, random_1, kip_1 = rows['full'], rows['random_1'], rows['kip_1']
  assert full['accuracy'] == pytest.approx(0.965)
  assert full['accuracy_std'] == pytest.approx(0.00707, abs=1e-4)
  assert full['fit_seconds'] == pytest.approx(10.5) and full['epochs'] == 2
  assert full['images'] == 1000 and full['seeds'] == [0, 1]
  assert (full['optimizer_steps'], full['images_processed']) == (8, 2000)
  # Equal work, from the curves of fake_run.py: kip_1 reaches 88% after 200 images;
  # the full data reaches 88% 60% of the way (in log images) from 85% at 681 images to
  # 90% at 1,000: at 681 * (1000 / 681) ** 0.6 = 857.5 images, after 10.5 s * 857.5 /
  # 2,000 = 4.50 s of its (mean) fit time, against kip_1's 1.25 s.
  assert full['full_images_to_accuracy'] is None and full['faster_than_full'] is None
  assert kip_1['full_images_to_accuracy'] == pytest.approx(857.55, abs=0.01)
  assert kip_1['speedup_to_accuracy'] == pytest.approx(4.2877, abs=1e-4)
  assert kip_1['speedup_to_accuracy_seconds'] == pytest.approx(3.6017, abs=1e-4)
  # After 200 images the full data is between 60% (147) and 70% (215): 68.1%.
  assert kip_1['full_accuracy_at_same_images'] == pytest.approx(0.68098, abs=1e-5)
  assert kip_1['faster_than_full'] is True and kip_1['full_images_to_accuracy_from'] == 'full'
  # random_1 (58%): the full data needs 100 * 1.47 ** 0.8 = 136 images, fewer than 200.
  assert random_1['faster_than_full'] is False
  assert random_1['speedup_to_accuracy'] == pytest.approx(0.68049, abs=1e-5)
  assert [p['images_processed'] for p in full['eval_curve']][-1] == 2000
  assert kip_1['temperature'] == pytest.approx(0.055)
  assert kip_1['valid_ece_before'] == pytest.approx(0.7)
  assert kip_1['valid_ece_after'] == pytest.approx(0.025)
  assert kip_1['gap_to_full_points'] == pytest.approx(-8.5)
  assert kip_1['blessed'] is True and kip_1['decided_by'] == 'passed'
  assert kip_1['pushed_to'].endswith('serving/kip_1/1')
  assert random_1['blessed'] is False and random_1['decided_by'] == 'max drop vs baseline'
  assert (kip_1['distill_steps'], kip_1['stopped_by_budget']) == (312, True)
  assert random_1['distill_steps'] is None
  assert 'dropped 42.0 pts' in random_1['decision'] and random_1['pushed_to'] is None
  assert kip_1['published_set'].endswith('distilled_sets/kip_1/1')
  assert random_1['published_set'] is None and full['published_set'] is None
  models = {(m['training_set'], m['seed']): m for m in summary['models']}
  assert models[('random_1', 1)]['decided_by'] == 'max drop vs baseline + max calibration error'
  assert 'ECE 60.0% > max 50.0%' in models[('random_1', 1)]['decision']
  assert 'ECE <= 50.0%' in kip_1['decision']
  assert models[('kip_1', 0)]['thresholds']['max_ece'] == 0.5
  assert summary['provenance']['preset'] == 'test'
  assert summary['provenance']['seeds'] == 2
  assert summary['provenance']['data_source'] == 'synthetic'
  assert not summary['notes']
  assert summary['data_check']['anomalies'] == [ALLOWED_ANOMALY]


def test_allowed_anomalies_are_listed(report_dir):
  with open(os.path.join(report_dir, INDEX_HTML), encoding='utf-8') as handle:
    page = handle.read()
  listed = re.search(r'<ul id="data-check">(.*?)</ul>', page, re.S).group(1)
  assert ('data checked against the schema /schemas/digits.pbtxt: 1 anomalies, allowed '
          'by --allow-anomalies') in listed
  assert 'drift against the last run: checked' in listed
  assert ("split eval vs train, feature &#39;label&#39; (ERROR): High Linfty distance "
          'between training and serving: The Linfty distance') in listed
  with open(os.path.join(report_dir, SUMMARY_MD), encoding='utf-8') as handle:
    assert "- split eval vs train, feature 'label' (ERROR)" in handle.read()


def test_markdown_table(report_dir):
  with open(os.path.join(report_dir, SUMMARY_MD), encoding='utf-8') as handle:
    text = handle.read()
  assert ('| full | full | 1,000 | 2,000 (8) | 10.5 | 96.5 ± 0.7 | - | - | - | 3.0 '
          '| yes (2/2 seeds) |') in text
  assert ('| random_1 | random | 10 | 200 (20) | 1.2 | 58.0 ± 4.2 | 68.1 | 136 | '
          'not faster: 0.68x, ') in text
  assert '| kip_1 | kip, 312 steps (time budget) | 10 | 200 (20) |' in text
  assert '| 68.1 | 858 | 4.3x, 3.6x | 3.0 | yes (2/2 seeds) |' in text
  # In words, under the table.
  assert ('- random_1: NOT faster than the full data: it reaches 58.0% after 200 images '
          'processed, the full data (full) after 136 (0.68x)') in text
  # A faster set also says where the full data stands after the same work.
  assert re.search(r"- kip_1: 4\.3x faster than the full data to 88\.0%: 200 images "
                   r"processed, where the full data \(full\) needs 858; at this set's 200 "
                   r"images the full data is at 68\.1%", text)
  # The per-set details: calibration, the decision, where the model and set went.
  assert '| 0.055 | 70.0 → 2.5 |' in text and 'dropped 42.0 pts vs baseline' in text
  assert re.search(r'^\| kip_1 \| 1 \|.*\| \S*/serving/kip_1/1 \| '
                   r'\S*/distilled_sets/kip_1/1 \|$', text, re.MULTILINE)


def test_html_is_self_contained(report_dir):
  with open(os.path.join(report_dir, INDEX_HTML), encoding='utf-8') as handle:
    page = handle.read()
  assert '<table id="summary">' in page
  sources = re.findall(r'<img src="([^"]*)"', page)
  # 2 summary plots, the transfer bars, 2 image grids, 2 label heatmaps, learning
  # curves, confusion matrices, 3 prediction grids, per-class bars.
  assert len(sources) == 13
  assert '<table id="transfer">' in page
  assert all(src.startswith('data:image/png;base64,') for src in sources)
  assert 'http://' not in page and 'https://' not in page


def _store_with_run(metadata_path, refs):
  """An MLMD store holding one pipeline run whose executions output `refs`."""
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = metadata_path
  store = metadata_store.MetadataStore(config)
  context_types = {name: store.put_context_type(metadata_store_pb2.ContextType(name=name))
                   for name in ('pipeline', 'pipeline_run')}
  pipeline, run = store.put_contexts([
      metadata_store_pb2.Context(type_id=context_types['pipeline'], name='tfx-distill'),
      metadata_store_pb2.Context(type_id=context_types['pipeline_run'], name='run-1')])
  execution_type = store.put_execution_type(metadata_store_pb2.ExecutionType(name='Node'))
  contexts = store.get_contexts_by_id([pipeline, run])
  for ref in refs:
    artifact_type = get_artifact_type_class(
        metadata_store_pb2.ArtifactType(name=ref.type_name))._get_artifact_type()
    type_id = store.put_artifact_type(artifact_type)
    artifact = metadata_store_pb2.Artifact(type_id=type_id, uri=ref.uri)
    for name, value in ref.properties.items():
      if isinstance(value, int):
        artifact.custom_properties[name].int_value = value
      elif isinstance(value, float):
        artifact.custom_properties[name].double_value = value
      else:
        artifact.custom_properties[name].string_value = value
    event = metadata_store_pb2.Event(type=metadata_store_pb2.Event.OUTPUT)
    store.put_execution(metadata_store_pb2.Execution(type_id=execution_type),
                        [(artifact, event)], contexts)


def test_report_subcommand_reads_mlmd(fake_run, tmp_path, capsys):
  root, refs = fake_run
  _store_with_run(os.path.join(root, 'metadata.sqlite'), refs)
  out = str(tmp_path / 'regenerated')
  assert cli.main(['report', '--pipeline-root', root, '--out', out]) == 0
  assert capsys.readouterr().out.strip().splitlines()[-1] == f'report: {out}/{INDEX_HTML}'
  with open(os.path.join(out, SUMMARY_JSON), encoding='utf-8') as handle:
    summary = json.load(handle)
  assert [row['training_set'] for row in summary['rows']] == ['full', 'random_1', 'kip_1']
  assert summary['provenance']['pipeline_run_id'] == 'run-1'
  assert summary['provenance']['pipeline_name'] == 'tfx-distill'
  assert summary['data_check']['anomalies'] == [ALLOWED_ANOMALY]


def test_report_subcommand_without_store(tmp_path, capsys):
  assert cli.main(['report', '--pipeline-root', str(tmp_path)]) == 2
  assert capsys.readouterr().err.strip() == (
      f'tfx-distill: error: {tmp_path}/metadata.sqlite: no ML Metadata store (run the '
      'pipeline first)')
