"""How a settings field declares its command-line option, so that each setting is
declared once: its name, type and default in the dataclass, its flag and help beside it.

    steps: int = option(200, '--steps', 'optimisation steps')

The command line (`pipeline/cli/options.py`) adds one flag per such field and writes
what the user gave back into the same field; fields declared without `option` (or with
no flag) have no flag. The flag's text is read as the default's type, or by `parse`
when one is given (e.g. nfr's `--holdout auto`).
"""

import dataclasses
from typing import Any, Callable, Optional, Sequence

FLAG = 'flag'
HELP = 'help'
CHOICES = 'choices'
PARSE = 'parse'


def option(default: Any, flag: str = '', help: str = '',  # pylint: disable=redefined-builtin
           choices: Optional[Sequence[str]] = None,
           parse: Optional[Callable[[str], Any]] = None) -> Any:
  """A dataclass field with `default` and, when `flag` is given, a command-line flag
  (its text read by `parse`, default the default's type)."""
  return dataclasses.field(default=default,
                           metadata={FLAG: flag, HELP: help, CHOICES: choices,
                                     PARSE: parse})


def flagged_fields(cls) -> list:
  """The fields of a settings dataclass that have a command-line flag."""
  return [f for f in dataclasses.fields(cls) if f.metadata.get(FLAG)]
