"""A settings dataclass as a component's execution parameters, and back: one parameter
per field, named as the field, so that a component declares no field list of its own.

Bools travel as ints (TFX execution parameters are int, float or str), and every field
is a plain value, so Kubeflow runtime parameters can stand for any of them.

Two more string parameters exist for TFX's cache only (no executor reads them; the
pipeline computes them, see pipeline/cache_keys.py): CODE_VERSION, what code the step
runs, and SOURCE_FINGERPRINT, what is in the files a step reads by path.
"""

import dataclasses
from typing import Any, Dict, Type, TypeVar

from tfx.types.component_spec import ExecutionParameter

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
  return cls(**{f.name: bool(exec_properties[f.name]) if _type_name(f) == 'bool'
                 else exec_properties[f.name]
                 for f in dataclasses.fields(cls)}).validate()


def cache_key_parameters(*keys: str) -> Dict[str, ExecutionParameter]:
  """Optional string parameters for TFX's cache key (CODE_VERSION, SOURCE_FINGERPRINT)."""
  return {key: ExecutionParameter(type=str, optional=True) for key in keys}
