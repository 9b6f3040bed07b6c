"""The errors that are the user's to fix, as opposed to bugs.

The command line prints a `UserError` as one line (`tfx-distill: error: ...`) and exits
with status 2; any other exception is a bug and keeps its traceback.
"""


class UserError(Exception):
  """Something the user can fix: a bad file, a bad value, a missing resource."""


class DataError(UserError, ValueError):
  """Bad input data; the message names the file and the problem."""

  def __init__(self, where: str, problem: str):
    super().__init__(f'{where}: {problem}')
    self.where = where
    self.problem = problem


class ConfigError(UserError, ValueError):
  """A configuration value is out of range or unknown; the message names it."""


def check(condition: bool, message: str) -> None:
  """Raises ConfigError(message) unless condition holds."""
  if not condition:
    raise ConfigError(message)
