"""What `finops run` shows while the job runs: one line per step, the cause of each failed step at the end, and
nothing else. Dagster's event log, dbt's output, warnings and progress bars go to a run log file instead
(issue 13 items 4 and 6).

On a terminal the step being run is a live status line; in a log (not a TTY) each step start and end is a plain line.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

# How many lines of one failed step's cause the summary shows; the run log holds the rest.
_CAUSE_LINES = 6
# dagster-dbt's wrapper around a dbt failure; its own message only says "see the logs"
_DBT_WRAPPER = "DbtCliInvocationError"


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def failure_cause(error: Any) -> str:
    """The user-facing cause of a step failure: the innermost error Dagster wrapped (a RateCardError, a
    SourceFormatError...), as `Type: message`, without Dagster's 'Error occurred while executing op' layers."""
    innermost = error
    while getattr(innermost, "cause", None) is not None:
        innermost = innermost.cause
    message = (innermost.message or "").strip()
    cls_name = innermost.cls_name or ""
    qualified, separator, text = message.partition(": ")
    if separator and qualified.split(".")[-1] == cls_name:
        return f"{cls_name}: {text}"  # rate_cards.llm_cards.RateCardError: ... -> RateCardError: ...
    return f"{cls_name}: {message}" if cls_name else message


@dataclass
class StepProgress:
    """Receives the run's events (a Dagster instance event listener) and writes the progress lines to `out`."""

    out: TextIO
    steps: list[str]
    live: bool
    started_at: dict[str, float] = field(default_factory=dict)
    finished: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    ended: list[str] = field(default_factory=list)
    _status_shown: bool = False

    @property
    def total_steps(self) -> int:
        return len(self.steps)

    def not_run(self) -> list[str]:
        """Steps that never ran: Dagster skips everything downstream of a failed step."""
        return [step for step in self.steps if step not in self.ended and step not in self.started_at]

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.out.write("\r\x1b[2K")  # clear the live status line before a permanent line
            self._status_shown = False
        self.out.write(f"[finops {_clock()}] {text}\n")
        self.out.flush()

    def _status(self) -> None:
        if not self.live or not self.started_at:
            return
        now = time.monotonic()
        running = ", ".join(f"{step} {now - at:.0f} s" for step, at in sorted(self.started_at.items()))
        status = f"  running {running}  ({self.finished}/{self.total_steps} steps done)"
        width = shutil.get_terminal_size().columns - 1  # a wrapped status line could not be cleared in place
        self.out.write("\r\x1b[2K" + (status if len(status) <= width else status[: max(width - 3, 0)] + "..."))
        self.out.flush()
        self._status_shown = True

    def __call__(self, entry: Any) -> None:
        event = getattr(entry, "dagster_event", None)
        if event is None:
            self._status()  # a log line from a running step: refresh the elapsed times
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started_at[step] = time.monotonic()
            if not self.live:
                self._line(f"started  {step}")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = time.monotonic() - self.started_at.pop(step, time.monotonic())
            self.ended.append(step)
            self.finished += 1
            outcome = "done    " if kind == "STEP_SUCCESS" else "FAILED  "
            self._line(f"{outcome} {step} in {seconds:.0f} s ({self.finished}/{self.total_steps})")
            if kind == "STEP_FAILURE":
                self.failures[step] = failure_cause(event.step_failure_data.error)
        self._status()

    def close(self) -> None:
        if self._status_shown:
            self.out.write("\r\x1b[2K")
            self.out.flush()
            self._status_shown = False


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_LOG_PREFIX = re.compile(r"^(\x1b\[0m)?\d\d:\d\d:\d\d\s+")


def dbt_error_lines(log_text: str) -> list[str]:
    """dbt's own summary of what failed, from the run log: the lines after its last 'Completed with N error(s)'
    up to 'Done.' (e.g. 'Database Error in model fct_costs (models/marts/fct_costs.sql)' and the error)."""
    lines = [_DBT_LOG_PREFIX.sub("", _ANSI.sub("", line)).rstrip() for line in log_text.splitlines()]
    starts = [i for i, line in enumerate(lines) if line.startswith("Completed with ") and "error" in line]
    if not starts:
        return []
    summary = []
    for line in lines[starts[-1] + 1 :]:
        if line.startswith("Done. "):
            break
        if line.strip():
            summary.append(line.strip())
    return summary


def cause_block(failures: Mapping[str, str], log_path: Path | None, not_run: list[str] | None = None) -> list[str]:
    """The run's last lines when steps failed: each failed step with its cause, the steps that could not run
    because of them, then where the full log is."""
    lines = ["Why the run failed:"]
    for step, cause in failures.items():
        cause_lines = cause.splitlines() or ["(no message)"]
        if len(cause_lines) > _CAUSE_LINES:
            cause_lines = [*cause_lines[:_CAUSE_LINES], "..."]
        lines.append(f"  {step}: {cause_lines[0]}")
        lines.extend(f"      {line}" for line in cause_lines[1:])
        if cause.startswith(_DBT_WRAPPER):
            dbt_lines = dbt_error_lines(log_path.read_text(errors="replace")) if log_path and log_path.exists() else []
            if len(dbt_lines) > _CAUSE_LINES:
                dbt_lines = [*dbt_lines[:_CAUSE_LINES], "..."]
            lines.extend(f"      dbt: {line}" for line in dbt_lines)
    if not_run:
        lines.append(f"Not run (they depend on a failed step): {', '.join(not_run)}")
    if log_path is not None:
        lines.append(f"Full log: {log_path}")
    return lines


@contextlib.contextmanager
def _quiet_to(log_path: Path) -> Iterator[None]:
    """Send Python-level stdout/stderr (Dagster's console logger, dbt's streamed output, warnings, progress bars)
    to the run log for the `with` block."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        yield


@contextlib.contextmanager
def quiet_warnings() -> Iterator[None]:
    """Dagster's beta/preview warnings are about our own code's use of its API: not the user's business."""
    with warnings.catch_warnings():
        from dagster import BetaWarning, PreviewWarning

        warnings.simplefilter("ignore", BetaWarning)
        warnings.simplefilter("ignore", PreviewWarning)
        yield


def execute_with_progress(
    job: Any,
    instance: Any,
    *,
    out: TextIO,
    log_path: Path | None,
    **execute_kwargs: Any,
) -> tuple[Any, StepProgress]:
    """Run `job.execute_in_process` with a progress line per step on `out`; everything else goes to `log_path`
    (None: everything stays on screen, for --debug). Returns the result and the progress (with the failures)."""
    run_id = str(uuid.uuid4())
    steps = sorted(node.name for node in job.graph.nodes)  # one step per node: asset jobs have no dynamic outputs
    progress = StepProgress(out=out, steps=steps, live=out.isatty())
    instance.add_event_listener(run_id, progress)
    quiet = _quiet_to(log_path) if log_path is not None else contextlib.nullcontext()
    try:
        with quiet, quiet_warnings():
            result = job.execute_in_process(instance=instance, run_id=run_id, **execute_kwargs)
    finally:
        progress.close()
    return result, progress
