"""Which failures are the user's to fix, and the one line the command line prints for
them (`tfx-distill: error: ...`, exit status 2); anything else is a bug and keeps its
traceback.

The user's: a `UserError` (contracts/errors.py: DataError, ConfigError,
...) anywhere in the exception's cause/context chain (LocalDagRunner re-raises what an
executor raised, so an error inside a component arrives as it was raised), and the
filesystem refusing to write: a full disk or quota, a read-only filesystem, no
permission, as an OSError or as the TensorFlow error that file writes through tf.io
raise.
"""

import errno
import re
from typing import Optional

from tfx_distill.contracts.errors import UserError

FULL = 'free some space or use another --pipeline-root'
NOT_WRITABLE = 'check the permissions or use another --pipeline-root'
# errno -> advice; and the strerror texts TensorFlow's filesystems put in messages.
ENVIRONMENT_ERRNOS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: NOT_WRITABLE,
                      errno.EACCES: NOT_WRITABLE, errno.EPERM: NOT_WRITABLE}
ENVIRONMENT_MESSAGES = {'No space left on device': FULL, 'Disk quota exceeded': FULL,
                        'Read-only file system': NOT_WRITABLE,
                        'Permission denied': NOT_WRITABLE}


def _environment_message(error: BaseException) -> Optional[str]:
  """'PATH: No space left on device; ADVICE' for a filesystem refusal, else None."""
  if isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRNOS:
    where = f'{error.filename}: ' if error.filename else ''
    return f'{where}{error.strerror}; {ENVIRONMENT_ERRNOS[error.errno]}'
  message = str(getattr(error, 'message', '') or '')
  if type(error).__module__.startswith('tensorflow') and message:
    for text, advice in ENVIRONMENT_MESSAGES.items():
      if text in message:
        path = re.search(r'(\S+); ' + re.escape(text), message)
        where = f'{path.group(1)}: ' if path else ''
        return f'{where}{text}; {advice}'
  return None


def user_message(error: BaseException) -> Optional[str]:
  """The one line to print when `error` (or an error it came from) is the user's to
  fix, else None."""
  seen = error
  while seen is not None:
    if isinstance(seen, UserError):
      text = str(seen)
      return text.splitlines()[0] if text else type(seen).__name__
    environment = _environment_message(seen)
    if environment is not None:
      return environment
    seen = seen.__cause__ or seen.__context__
  return None
