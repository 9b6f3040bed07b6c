"""A progress line on the terminal for long steps (distillation, training):
`[#####...............] step S/T loss L target acc A, 1 min 05 s elapsed, ETA 3 min 10 s`.

The ETA is the remaining steps at the rate of the steps done so far in this process
(a resumed run counts from its first step), or the rest of a wall-time budget when that
is sooner."""

import sys
import time
from typing import IO, Callable, Dict, Optional


def duration(seconds: float) -> str:
  """'42 s', '3 min 05 s', '1 h 02 min'."""
  seconds = max(0, int(round(seconds)))
  if seconds < 60:
    return f'{seconds} s'
  if seconds < 3600:
    return f'{seconds // 60} min {seconds % 60:02d} s'
  return f'{seconds // 3600} h {seconds % 3600 // 60:02d} min'


class ProgressLine:
  """Called with (step, loss, accuracy); writes one line per call to `stream`
  (standard error by default). `start_step`: the step a resumed run starts from;
  `budget_s`: the wall time left to a run with a time budget (0 = none)."""

  def __init__(self, total: int, stream: Optional[IO[str]] = None, start_step: int = 0,
               budget_s: float = 0.0, clock: Callable[[], float] = time.perf_counter):
    self.total, self.stream, self.clock = total, stream, clock
    self.start_step, self.budget_s, self.start = start_step, budget_s, clock()

  def eta(self, step: int, elapsed: float) -> Optional[float]:
    """Seconds until the run ends, or None before the first step is done."""
    done = step - self.start_step
    if done <= 0:
      return None
    remaining = elapsed / done * max(self.total - step, 0)
    if self.budget_s:
      remaining = min(remaining, max(self.budget_s - elapsed, 0.0))
    return remaining

  def __call__(self, step: int, loss: float, acc: float) -> None:
    elapsed = self.clock() - self.start
    done = min(20, int(20 * step / max(self.total, 1)))
    eta = self.eta(step, elapsed)
    print(f'[{"#" * done}{"." * (20 - done)}] step {step}/{self.total} loss {loss:.5f} '
          f'target acc {acc:.3f}, {duration(elapsed)} elapsed'
          + ('' if eta is None else f', ETA {duration(eta)}'),
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
