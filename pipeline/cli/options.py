"""The command line's options, and the one function that turns any command's arguments
into a PipelineConfig.

Every settings field that declares a flag (`contracts/options.py`) becomes an option
of each command that uses its section: `run` and `compile` take them all, `distill`
the ingest and distill ones and the Trainer's architecture (nfr's networks). The
distill flags come from the table of methods (`components/distiller/methods.py`): one
per settings field name, set in every method that has the field, its help naming
those methods and their defaults. What the user does not give comes from `--preset`
(for `distill` without one: the settings' own defaults).
"""

import argparse
import dataclasses
import os
from typing import Dict, Iterable, List, Optional, Tuple

from tfx_distill.components.data_gate.settings import INFER, PACKAGED
from tfx_distill.components.distiller import methods
from tfx_distill.contracts.sources import SOURCES
from tfx_distill.contracts.options import CHOICES, FLAG, HELP, PARSE, flagged_fields
from tfx_distill.pipeline import config as config_lib

# (PipelineConfig field, its settings class), derived from PipelineConfig's fields; ''
# is PipelineConfig's own fields; the distill flags are the fields of every method's
# settings (`section_fields`).
SECTIONS = {**config_lib.settings_sections(), '': config_lib.PipelineConfig}
ALL_SECTIONS = tuple(SECTIONS)
DISTILL_SECTIONS = ('ingest', 'distill', 'train')
# Of these sections, `distill` takes only the named fields.
DISTILL_FIELDS = {'train': ('architecture',)}


def _dest(section: str, name: str) -> str:
  return f'{section}.{name}' if section else name


def section_fields(section: str) -> List[Tuple[dataclasses.Field, str]]:
  """(field, help) of every flagged field of a section; a distill field's help names
  the methods that read it and their defaults."""
  if section == 'distill':
    return [(field, f'{field.metadata[HELP]} [{methods.applies_to(name)}]')
            for name, (field, _) in methods.fields_by_name().items()
            if field.metadata.get(FLAG)]
  return [(field, field.metadata[HELP]) for field in flagged_fields(SECTIONS[section])]


def add_settings_options(parser: argparse.ArgumentParser, sections: Iterable[str],
                         required: Tuple[str, ...] = (),
                         only: Optional[Dict[str, Tuple[str, ...]]] = None) -> None:
  """Adds the flag of every flagged field of the given sections (of a section in
  `only`, just the fields it names); `required` names flags (e.g. '--data') this
  command cannot do without."""
  for section in sections:
    group = parser.add_argument_group(f'{section or "pipeline"} settings')
    for field, help_text in section_fields(section):
      if only and section in only and field.name not in only[section]:
        continue
      flag = field.metadata[FLAG]
      kwargs = {'dest': _dest(section, field.name), 'default': None,
                'help': help_text, 'required': flag in required}
      if isinstance(field.default, bool):
        kwargs['action'] = argparse.BooleanOptionalAction
      else:
        kwargs['type'] = field.metadata.get(PARSE) or type(field.default)
        kwargs['metavar'] = field.name.upper()
      if field.metadata[CHOICES]:
        kwargs['choices'] = field.metadata[CHOICES]
        kwargs.pop('metavar', None)
      group.add_argument(flag, **kwargs)


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
  """--preset and the training sets: what `run` and `compile` share beyond settings."""
  parser.add_argument('--preset', default='smoke', choices=sorted(config_lib.PRESETS),
                      help='the settings not given on the command line (default smoke)')
  parser.add_argument('--candidates', help='comma-separated METHOD:IMAGES_PER_CLASS, '
                      'e.g. random:1,kip:50 (methods: ' + ', '.join(methods.METHOD_NAMES)
                      + ')')
  parser.add_argument('--kip-set', action='append', default=[],
                      help='a published KIP .npz to evaluate as one more candidate '
                      '(repeatable; local path or gs://)')
  add_settings_options(parser, ALL_SECTIONS)


def absolute(path: str) -> str:
  """A local path made absolute (executors may run elsewhere); URLs such as gs://
  unchanged."""
  return path if '://' in path else os.path.abspath(path)


def absolute_source(spec: str) -> str:
  """`npz:rel.npz` -> `npz:/abs/rel.npz` for the sources that take a path."""
  scheme, _, path = spec.partition(':')
  takes_path = scheme in SOURCES and SOURCES[scheme].arg in ('DIR', 'PATH')
  return f'{scheme}:{absolute(path)}' if takes_path and path else spec


def config_from_args(args: argparse.Namespace) -> config_lib.PipelineConfig:
  """The preset named by --preset (or the defaults) with every setting the command line
  gives, validated. The one place arguments become a config, for every command."""
  preset = getattr(args, 'preset', None)
  config = config_lib.preset(preset) if preset else config_lib.PipelineConfig()
  changes = {}
  for section in SECTIONS:
    given = {f.name: getattr(args, _dest(section, f.name))
             for f, _ in section_fields(section)
             if getattr(args, _dest(section, f.name), None) is not None}
    if section:
      changes[section] = given
    else:
      changes.update(given)
  if 'data' in changes['ingest']:
    changes['ingest']['data'] = absolute_source(changes['ingest']['data'])
  if changes['validation'].get('schema_file') not in (None, '', INFER, PACKAGED):
    changes['validation']['schema_file'] = absolute(changes['validation']['schema_file'])
  if getattr(args, 'kip_set', None):
    changes['kip_sets'] = tuple(absolute(path) for path in args.kip_set)
  if getattr(args, 'candidates', None) is not None:
    changes['candidates'] = tuple(config_lib.parse_candidate(c)
                                  for c in args.candidates.split(',') if c)
  return config_lib.replace(config, **changes).validate()

