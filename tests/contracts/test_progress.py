"""The progress line: steps, loss, elapsed time and ETA (contracts/progress.py)."""

import io

from tfx_distill.contracts.progress import ProgressLine, duration


class Clock:
  def __init__(self):
    self.now = 100.0

  def __call__(self):
    return self.now


def line(total, step, seconds, **kwargs):
  clock, out = Clock(), io.StringIO()
  progress = ProgressLine(total, stream=out, clock=clock, **kwargs)
  clock.now += seconds
  progress(step, 0.5, 0.25)
  return out.getvalue().strip()


def test_eta_is_the_remaining_steps_at_the_rate_so_far():
  assert line(100, 10, 5.0) == ('[##..................] step 10/100 loss 0.50000 target acc '
                                '0.250, 5 s elapsed, ETA 45 s')


def test_a_resumed_run_counts_its_rate_from_its_first_step():
  assert line(100, 60, 10.0, start_step=50).endswith('10 s elapsed, ETA 40 s')


def test_a_time_budget_that_ends_sooner_is_the_eta():
  assert line(100, 10, 5.0, budget_s=20.0).endswith('ETA 15 s')
  assert line(100, 0, 5.0).endswith('5 s elapsed')  # no step done: no ETA yet


def test_durations_read_as_a_person_would_say_them():
  assert [duration(s) for s in (0.4, 59, 65, 3599, 3720)] == [
      '0 s', '59 s', '1 min 05 s', '59 min 59 s', '1 h 02 min']
