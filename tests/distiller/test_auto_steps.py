"""nfr's default steps (auto) follow the set's size, as the budget curve measured them;
other methods refuse auto."""

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
  with pytest.raises(ConfigError, match='steps must be >= 0, got auto'):
    KipSettings(steps=AUTO_STEPS).validate()


def test_a_run_with_auto_steps_takes_the_steps_of_its_size(monkeypatch):
  monkeypatch.setattr(NfrSettings, 'AUTO_STEPS_BELOW_10', 3)
  result = run(dataclasses.replace(TINY, steps=AUTO_STEPS))
  assert result.info['steps'] == 3
