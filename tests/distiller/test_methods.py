"""The table of methods: every entry resolves, a Distiller's parameters are its
method's settings fields only, shared fields are one flag for every method that has
them, and no module but the table imports kip.py."""

import dataclasses
import os

import pytest

from tfx_distill.components.distiller import methods
from tfx_distill.components.distiller.distilled_set import DistilledSet
from tfx_distill.components.distiller.spec import DistillerSpec, spec_class
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.options import FLAG
from tfx_distill.pipeline.cache_keys import imported_modules, step_files, step_modules

DISTILLER = os.path.dirname(methods.__file__)
PACKAGE = 'tfx_distill.components.distiller'


@pytest.mark.parametrize('name', methods.METHOD_NAMES)
def test_each_entry_has_its_settings_run_function_and_state(name):
  entry = methods.METHODS[name]
  settings = entry.settings().validate()  # its own defaults are valid
  assert dataclasses.is_dataclass(settings)
  run = methods._load(entry.run)  # pylint: disable=protected-access
  assert callable(run) and run.__annotations__['return'] is DistilledSet
  assert (entry.state_class() is not None) == (name in ('nfr', 'kip'))
  if entry.state:
    assert {'to_arrays', 'from_arrays'} <= set(dir(entry.state_class()))
  # Every field has a flag; the Distiller of the method has exactly these parameters.
  assert all(f.metadata.get(FLAG) for f in dataclasses.fields(entry.settings))
  assert set(spec_class(name).PARAMETERS) == (set(DistillerSpec.PARAMETERS)
                                              | set(methods.field_names(name)))


def test_methods_have_their_own_defaults_and_no_placeholders():
  config = methods.DistillConfig()
  assert (config.nfr.target_batch, config.nfr.clip) == (200, 'step')
  assert (config.kip.target_batch, config.kip.clip) == (1000, 'output')
  assert (config.logreg.target_batch, config.logreg.clip) == (1000, 'output')
  assert methods.field_names('first') == ()
  assert 'width' in methods.field_names('kip') and 'width' not in methods.field_names('nfr')
  assert methods.applies_to('steps') == 'nfr auto; kip, logreg 200'
  assert methods.applies_to('target_batch') == 'nfr 200; kip, logreg 1000'
  assert methods.applies_to('width') == 'kip; default 128'


def test_a_shared_field_is_one_setting_of_every_method_that_has_it():
  config = methods.DistillConfig().updated(steps=7, seed=3, nfr={'steps': 9})
  assert (config.nfr.steps, config.kip.steps, config.logreg.steps) == (9, 7, 7)
  assert {config.settings(m).seed for m in ('nfr', 'random', 'herding', 'kip',
                                             'logreg')} == {3}
  fields, owners = methods.fields_by_name()['steps']
  assert owners == ('nfr', 'kip', 'logreg') and fields.metadata[FLAG] == '--steps'
  with pytest.raises(ConfigError, match="distill has no setting 'stepz'"):
    methods.DistillConfig().updated(stepz=1)
  with pytest.raises(ConfigError, match='method must be one of'):
    methods.DistillConfig().settings('magic')
  with pytest.raises(ConfigError, match="distill.clip must be one of \\('step', "
                     "'output'\\) for nfr, got 'none'"):
    methods.DistillConfig().updated(clip='none').validate(['nfr'])
  methods.DistillConfig().updated(clip='none').validate(['kip', 'logreg'])


def test_no_module_but_the_table_imports_kip():
  importers = []
  for name in sorted(os.listdir(DISTILLER)):
    if name.endswith('.py') and name not in ('kip.py', 'methods.py'):
      if f'{PACKAGE}.kip' in imported_modules(os.path.join(DISTILLER, name)):
        importers.append(name)
  assert not importers


def test_the_distillers_code_version_covers_every_method_module():
  files = {}
  for module in step_modules()['distiller']:
    files.update(step_files(module))
  for entry in methods.METHODS.values():
    for dotted in (entry.run, entry.state):
      if dotted:
        assert f'{PACKAGE}.{dotted.partition(".")[0]}' in files, dotted
