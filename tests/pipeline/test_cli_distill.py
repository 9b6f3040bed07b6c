"""`tfx-distill distill`: the Distiller's code path from the command line, its files,
determinism, resume, the same checks as `run`, and the same set as the pipeline's."""

import os

import numpy as np
import pytest
from tfx.types import standard_artifacts

from tfx_distill.contracts import kip_format
from tfx_distill.components.distiller import executor as distiller_executor
from tfx_distill.components.distiller.settings import KipSettings, NfrSettings
from tfx_distill.components.distiller.spec import KIP_SET_FILE, KipSet
from tfx_distill.contracts.example_format import unstandardise
from tfx_distill.components.ingest import executor as ingest_executor
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.components.kip_import.importer import import_kip_set
from tfx_distill.contracts.parameters import to_parameters
from tfx_distill.pipeline import cli

TINY = ['--data', 'sample', '--max-examples', '300', '--method', 'kip', '--ipc', '1',
        '--target-batch', '50', '--num-networks', '1', '--width', '16', '--seed', '3']


def distill(out, *extra):
  return cli.main(['distill', *TINY, '--out', str(out), *extra])


def test_same_settings_give_the_same_bytes_and_import_reads_them_back(tmp_path):
  assert distill(tmp_path / 'a.npz', '--steps', '3') == 0
  assert distill(tmp_path / 'b.npz', '--steps', '3') == 0
  assert (tmp_path / 'a.npz').read_bytes() == (tmp_path / 'b.npz').read_bytes()
  assert distill(tmp_path / 'c.npz', '--steps', '3', '--seed', '4') == 0
  assert (tmp_path / 'a.npz').read_bytes() != (tmp_path / 'c.npz').read_bytes()
  saved = kip_format.load(str(tmp_path / 'a.npz'))
  imported = import_kip_set(str(tmp_path / 'a.npz'))
  np.testing.assert_array_equal(imported.images, unstandardise(saved.images[..., 0]))
  np.testing.assert_array_equal(imported.label_vectors, saved.labels)
  np.testing.assert_array_equal(imported.labels, np.argmax(saved.labels, axis=1))


def pipeline_set(tmp_path, settings, **parameters):
  """Ingest and Distiller executors on artifacts (300 examples of `sample`, one image
  per class); returns the KipSet artifact."""
  examples = standard_artifacts.Examples()
  examples.uri = str(tmp_path / 'examples')
  ingest_executor.Executor().Do(
      {}, {'examples': [examples]}, to_parameters(IngestSettings(max_examples=300)))
  distilled, kip_set = standard_artifacts.Examples(), KipSet()
  distilled.uri, kip_set.uri = str(tmp_path / 'distilled'), str(tmp_path / 'kip_set')
  distiller_executor.Executor().Do(
      {'examples': [examples]}, {'distilled': [distilled], 'kip_set': [kip_set]},
      dict(images_per_class=1, **parameters, **to_parameters(settings)))
  return kip_set


def test_the_command_line_makes_the_same_set_as_the_pipeline(tmp_path):
  """Ingest and Distiller executors on artifacts, with the settings the flags name."""
  assert distill(tmp_path / 'cli.npz', '--steps', '3') == 0
  pipeline_set(tmp_path, KipSettings(steps=3, target_batch=50, num_networks=1, width=16,
                                     seed=3), method='kip')
  assert (tmp_path / 'cli.npz').read_bytes() == (
      tmp_path / 'kip_set' / KIP_SET_FILE).read_bytes()


def test_resume_continues_to_the_same_result(tmp_path, capsys):
  assert distill(tmp_path / 'whole.npz', '--steps', '4') == 0
  assert 'step 4/4' in capsys.readouterr().err
  assert distill(tmp_path / 'part.npz', '--steps', '2') == 0
  assert (tmp_path / 'part.npz.ckpt.npz').exists()
  assert distill(tmp_path / 'part.npz', '--steps', '4', '--resume') == 0
  assert (tmp_path / 'whole.npz').read_bytes() == (tmp_path / 'part.npz').read_bytes()


@pytest.mark.parametrize('flag,value,message', [
    ('--ridge', '0', 'distill.ridge must be > 0, got 0.0'),
    ('--width', '0', 'distill.width must be > 0, got 0'),
    ('--eval-fraction', '1', 'ingest.eval_fraction must be in (0, 1), got 1.0'),
])
def test_the_same_checks_as_run(tmp_path, capsys, flag, value, message):
  assert distill(tmp_path / 'x.npz', flag, value) == 2
  assert capsys.readouterr().err.strip() == f'tfx-distill: error: {message}'
  assert not (tmp_path / 'x.npz').exists()


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
  np.savez(tmp_path / 'bad.npz', x=np.zeros((20, 28, 28)), y=np.arange(20) % 9)
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "bad.npz"}', '--method', 'kip',
                   '--ipc', '1', '--out', str(tmp_path / 'out.npz')]) == 2
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1 and 'bad.npz: no examples of class(es) [9]' in err[0]
  assert not (tmp_path / 'out.npz').exists()
  out = str(tmp_path / 'x.npz')
  assert cli.main(['distill', '--data', f'npz:{tmp_path}/absent.npz', '--method', 'random',
                   '--ipc', '1', '--out', out]) == 2
  assert 'absent.npz: file not found' in capsys.readouterr().err
  assert cli.main(['distill', '--data', 'sample', '--method', 'kip', '--ipc', '1',
                   '--out', out, '--resume']) == 2
  assert 'x.npz.ckpt.npz: no checkpoint to resume from' in capsys.readouterr().err
  assert not os.path.exists(out)


NFR = ['--data', 'sample', '--max-examples', '300', '--ipc', '1', '--steps', '2',
       '--holdout', '50', '--pool-models', '2', '--reset-every', '4',
       '--keep-best', 'none']  # (keep-best would keep the herded start of 2 steps)


def test_the_default_method_is_nfr_for_the_trainers_architecture(tmp_path, capsys):
  assert cli.main(['distill', *NFR, '--out', str(tmp_path / 'default.npz')]) == 0
  assert 'nfr_time_s' in capsys.readouterr().err
  assert cli.main(['distill', *NFR, '--method', 'nfr',
                   '--out', str(tmp_path / 'nfr.npz')]) == 0
  assert (tmp_path / 'default.npz').read_bytes() == (tmp_path / 'nfr.npz').read_bytes()
  assert (tmp_path / 'default.npz.ckpt.npz').exists()
  assert cli.main(['distill', *NFR, '--architecture', 'kip_convnet',
                   '--out', str(tmp_path / 'convnet.npz')]) == 0
  assert (tmp_path / 'default.npz').read_bytes() != (tmp_path / 'convnet.npz').read_bytes()
  assert kip_format.load(str(tmp_path / 'convnet.npz')).images.shape == (10, 28, 28, 1)


@pytest.mark.parametrize('flag,value,message', [
    ('--pool-models', '0', 'distill.pool_models must be > 0, got 0'),
    ('--holdout', '5000', 'distill.holdout 5000 leaves 0 pool images of a class for 1 '
     'per class; lower --holdout'),
    ('--clip', 'none', "distill.clip must be one of ('step', 'output') for nfr, got 'none'"),
])
def test_nfr_config_errors_are_one_line(tmp_path, capsys, flag, value, message):
  assert cli.main(['distill', *NFR, flag, value, '--out', str(tmp_path / 'x.npz')]) == 2
  assert capsys.readouterr().err.strip() == f'tfx-distill: error: {message}'
  assert not (tmp_path / 'x.npz').exists()


def test_the_pipelines_distiller_makes_the_clis_nfr_set_for_its_architecture(tmp_path):
  assert cli.main(['distill', *NFR, '--architecture', 'kip_convnet',
                   '--out', str(tmp_path / 'cli.npz')]) == 0
  kip_set = pipeline_set(tmp_path, NfrSettings(steps=2, holdout=50, pool_models=2,
                                                reset_every=4, keep_best='none'),
                         method='nfr', architecture='kip_convnet')
  assert (tmp_path / 'cli.npz').read_bytes() == (
      tmp_path / 'kip_set' / KIP_SET_FILE).read_bytes()
  assert kip_set.get_string_custom_property('architecture') == 'kip_convnet'
  assert kip_set.get_float_custom_property('steps') == 2.0


def test_a_set_that_is_its_initial_support_is_named_so(tmp_path, monkeypatch, capsys):
  """When keep-best returns step 0 (real images), the command says so in one line."""
  from tfx_distill.components.distiller import distill as distill_lib  # pylint: disable=g-import-not-at-top
  real = distill_lib.distill

  def initial_support(*args, **kwargs):
    result = real(*args, **kwargs)
    result.info.update(returned_step=0.0, returned_initial_support=1.0)
    return result

  monkeypatch.setattr(distill_lib, 'distill', initial_support)
  assert distill(tmp_path / 'a.npz', '--steps', '2') == 0
  (line,) = [l for l in capsys.readouterr().err.splitlines() if l.startswith('warning:')]
  assert line.startswith('warning: Distiller kip 1 per class: keep-best returned the '
                         'initial support')
