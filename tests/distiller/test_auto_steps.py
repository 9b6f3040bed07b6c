"""nfr's default steps (auto) follow the set's size, as the budget curve measured them;
other methods refuse auto."""

import argparse
import dataclasses

import pytest

from tfx_distill.components.distiller.settings import (AUTO_STEPS, KipSettings,
                                                       NfrSettings, parse_steps)
from tfx_distill.contracts.errors import ConfigError
from tests.distiller.test_nfr import TINY, run


def test_auto_is_nfrs_default_and_resolves_by_images_per_class():
  assert NfrSettings().steps == AUTO_STEPS == parse_steps('auto')
  assert [NfrSettings().steps_for(n) for n in (1, 9, 10, 50)] == [1000, 1000, 200, 200]
  assert NfrSettings(steps=7).steps_for(1) == 7
  with pytest.raises(argparse.ArgumentTypeError, match="steps >= 0, got '-1'"):
    parse_steps('-1')  # -1 is auto inside; a user types auto
  with pytest.raises(ConfigError, match=r'steps must be >= 0, got -1 \(auto, which only'):
    KipSettings(steps=AUTO_STEPS).validate()


def test_a_run_with_auto_steps_takes_the_steps_of_its_size(monkeypatch):
  monkeypatch.setattr(NfrSettings, 'AUTO_STEPS_BELOW_10', 3)
  result = run(dataclasses.replace(TINY, steps=AUTO_STEPS))
  assert result.info['steps'] == 3


def test_the_command_line_takes_auto_and_refuses_negative_steps(capsys):
  from tfx_distill.pipeline import cli  # pylint: disable=g-import-not-at-top
  with pytest.raises(SystemExit) as exited:
    cli.main(['distill', '--data', 'sample', '--ipc', '1', '--steps', '-1'])
  assert exited.value.code == 2
  assert "expected auto or a number of steps >= 0, got '-1'" in capsys.readouterr().err
