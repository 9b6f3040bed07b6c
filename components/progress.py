"""A progress line on the terminal for long steps (distillation, training):
`[#####...............] step S/T loss L target acc A (x s)`."""

import sys
import time
from typing import IO, Optional


class ProgressLine:
  """Called with (step, loss, accuracy); writes one line per call to `stream`
  (standard error by default)."""

  def __init__(self, total: int, stream: Optional[IO[str]] = None):
    self.total, self.stream, self.start = total, stream, time.perf_counter()

  def __call__(self, step: int, loss: float, acc: float) -> None:
    done = min(20, int(20 * step / max(self.total, 1)))
    print(f'[{"#" * done}{"." * (20 - done)}] step {step}/{self.total} loss {loss:.5f} '
          f'target acc {acc:.3f} ({time.perf_counter() - self.start:.0f} s)',
          file=self.stream or sys.stderr, flush=True)
