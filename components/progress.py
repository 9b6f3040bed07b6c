"""A progress line on the terminal for long steps (distillation, training):
`[#####...............] step S/T loss L target acc A (x s)`."""

import sys
import time
from typing import IO, Dict, Optional


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


def progress_text(done: int, total: int, unit: str, elapsed: float,
                  metrics: Dict[str, float], label: str = '',
                  eta_is_bound: bool = False) -> str:
  """`[#####...............] LABEL UNIT D/T name v ... (E s, ETA R s)`; the ETA
  extrapolates the elapsed time per unit done ('ETA <= R s' when early stopping may end
  the run sooner)."""
  done_bars = min(20, int(20 * done / max(total, 1)))
  values = ' '.join(f'{name} {value:.4g}' for name, value in metrics.items())
  remaining = elapsed / max(done, 1) * max(total - done, 0)
  eta = f"ETA {'<= ' if eta_is_bound else ''}{remaining:.0f} s"
  prefix = f'{label} ' if label else ''
  return (f'[{"#" * done_bars}{"." * (20 - done_bars)}] {prefix}{unit} {done}/{total} '
          f'{values} ({elapsed:.0f} s, {eta})')
