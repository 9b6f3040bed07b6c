"""Settings dataclasses as plain values and back, the one serializer of the project:

- `to_parameters` / `execution_parameters` / `from_properties`: a component's execution
  parameters, one per field, named as the field, so that a component declares no field
  list of its own. Bools travel as ints (TFX execution parameters are int, float or
  str), and every field is a plain value, so Kubeflow runtime parameters can stand for
  any of them.
- `from_dict`: any settings dataclass from a JSON-like dict (a Trainer's custom_config,
  command-line strings): each value cast to its field's type (Optional[X], bools as
  true/false/1/0/yes/no, nested settings as dicts), missing or None keys left at their
  defaults, unknown keys ignored. `dataclasses.asdict` is the way there.

Two more string parameters exist for TFX's cache only (no executor reads them; the
pipeline computes them, see pipeline/cache_keys.py): CODE_VERSION, what code the step
runs, and SOURCE_FINGERPRINT, what is in the files a step reads by path.
"""

import dataclasses
import typing
from typing import Any, Dict, Mapping, Type, TypeVar, Union

from tfx.types.component_spec import ExecutionParameter

from tfx_distill.contracts.errors import check

T = TypeVar('T')
CODE_VERSION = 'code_version'
SOURCE_FINGERPRINT = 'source_fingerprint'
_PARAMETER_TYPES = {'bool': int, 'int': int, 'float': float, 'str': str}


def _type_name(field: dataclasses.Field) -> str:
  return field.type if isinstance(field.type, str) else field.type.__name__


def _parameter_type(field: dataclasses.Field) -> type:
  return _PARAMETER_TYPES[_type_name(field)]


def execution_parameters(cls: type) -> Dict[str, ExecutionParameter]:
  """{field name: ExecutionParameter} for a ComponentSpec's PARAMETERS."""
  return {f.name: ExecutionParameter(type=_parameter_type(f))
          for f in dataclasses.fields(cls)}


def to_parameters(settings: Any) -> Dict[str, Any]:
  """The settings' values as execution parameter values (bools as ints)."""
  return {f.name: _parameter_type(f)(getattr(settings, f.name))
          for f in dataclasses.fields(settings)}


def from_properties(cls: Type[T], exec_properties: Dict[str, Any]) -> T:
  """The settings an executor was given, validated."""
  return from_dict(cls, exec_properties).validate()


def from_dict(cls: Type[T], values: Mapping[str, Any], where: str = '') -> T:
  """cls from the values of its fields found in `values`, each cast to its field's
  type; not validated. `where` names the settings in errors (e.g. 'train')."""
  hints = typing.get_type_hints(cls)
  typed = {}
  for field in dataclasses.fields(cls):
    value = values.get(field.name)
    if value is not None:
      typed[field.name] = _cast(hints[field.name], value, f'{where or cls.__name__}.{field.name}')
  return cls(**typed)


def _cast(hint: Any, value: Any, name: str) -> Any:
  """value as the type `hint` (a plain type, Optional[X] or a settings dataclass)."""
  if typing.get_origin(hint) is Union:  # Optional[X]
    (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
  if dataclasses.is_dataclass(hint):
    check(isinstance(value, Mapping),
          f'{name} must be a dict of {hint.__name__} fields, got {value!r}')
    return from_dict(hint, value, name)
  if hint is bool:
    return to_bool(value)
  try:
    return hint(value)
  except (TypeError, ValueError):
    check(False, f'{name} must be {hint.__name__}, got {value!r}')


def to_bool(value: Any) -> bool:
  """A JSON, execution-parameter or command-line flag: true/false, 1/0, yes/no."""
  if isinstance(value, str):
    check(value.lower() in ('true', 'false', '1', '0', 'yes', 'no'),
          f'expected a boolean, got {value!r}')
    return value.lower() in ('true', '1', 'yes')
  return bool(value)


def cache_key_parameters(*keys: str) -> Dict[str, ExecutionParameter]:
  """Optional string parameters for TFX's cache key (CODE_VERSION, SOURCE_FINGERPRINT)."""
  return {key: ExecutionParameter(type=str, optional=True) for key in keys}
