"""Progress of a long job (import, export, reindex): counts, rate and ETA on standard error.

On a terminal one line is redrawn in place (by tqdm); elsewhere (a log, CI) a line is written every few seconds,
none for a job shorter than that. Either way a final line says what was done, how long it took and how fast.
`enabled=False` (the commands' --quiet) writes nothing.

    progress = Progress("reindex:", total=60_000)     # reindex: 12,000/60,000 records, 4,000/s, ETA 12 s
    for batch in batches:
        ...
        progress.advance(len(batch))
    progress.finish()                                  # reindex: 60,000 records in 15.0 s, 4,000/s

When the total is not known in items but in bytes (an import), give `total_bytes` and say how far the job is
with `set(..., done_bytes=)`: the line then shows the share of the bytes done, and the ETA follows it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any, TextIO

from tqdm import tqdm

TERMINAL_INTERVAL = 0.5  # seconds between redraws of the line on a terminal
LOG_INTERVAL = 5.0  # seconds between lines elsewhere


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "records",
        total_bytes: int | None = None,
        describe: Callable[[], str] | None = None,
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float | None = None,
    ) -> None:
        """label starts every line ("imported", "reindex:"); total is the number of items expected, when known;
        describe says the items done when "N records" is not enough ("1,200 records, 40 authorities")."""
        self.label, self.total, self.unit, self.total_bytes = label, total, unit, total_bytes
        self.describe = describe
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.count = 0  # items done: the count shown and the rate
        self.done_bytes = 0
        self.start = time.monotonic()
        self.terminal = enabled and _isatty(self.stream)
        self._bar: _Bar | None = None
        if enabled:
            if interval is None:
                interval = TERMINAL_INTERVAL if self.terminal else LOG_INTERVAL
            self._bar = _Bar(
                self,
                file=self.stream if self.terminal else _Lines(self.stream),
                mininterval=interval,
                delay=interval,
                miniters=1,
                leave=False,
                bar_format="{line}",
                dynamic_ncols=self.terminal,
            )

    # -- what the job says ----------------------------------------------------------------------------------------
    def advance(self, n: int = 1) -> None:
        """n more items done."""
        self.set(self.count + n)

    def set(self, count: int, *, done_bytes: int | None = None, force: bool = False) -> None:
        """Where the job is: items done, and bytes done (with total_bytes). force: show it now, whatever the time
        since the last line."""
        step = count - self.count
        self.count = count
        if done_bytes is not None:
            self.done_bytes = done_bytes
        if self._bar is not None:
            if force:
                self._bar.n = count
                self._bar.refresh()
            else:
                self._bar.update(step)

    def finish(self) -> None:
        """The final line. Call it once, at the end."""
        if self._bar is None:
            return
        self._bar.close()  # clears the redrawn line on a terminal
        self._bar = None
        elapsed = max(time.monotonic() - self.start, 1e-6)
        self.stream.write(
            f"{self.label} {self._counted(final=True)} in {elapsed:,.1f} s, {self.count / elapsed:,.0f}/s\n"
        )
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    # -- the line ------------------------------------------------------------------------------------------------
    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = self.count / elapsed
        parts = [f"{self.label} {self._counted()}", f"{rate:,.0f}/s"]
        eta: float | None = None
        if self.total_bytes:
            fraction = min(self.done_bytes / self.total_bytes, 1.0)
            parts.append(f"{fraction:.1%} of {self.total_bytes / 1e6:,.1f} MB")
            eta = elapsed / fraction - elapsed if fraction > 0.001 else None
        elif self.total and rate:
            eta = max(self.total - self.count, 0) / rate
        if self.total_bytes or self.total:
            parts.append(f"ETA {eta:,.0f} s" if eta is not None else "ETA ?")
        return ", ".join(parts)

    def _counted(self, final: bool = False) -> str:
        if self.describe is not None:
            return self.describe()
        if self.total is not None and not final:
            return f"{self.count:,}/{self.total:,} {self.unit}"
        return f"{self.count:,} {self.unit}"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Bar(tqdm):
    """tqdm draws and times the line; Progress says what it is."""

    monitor_interval = 0  # no monitor thread: imports fork reading processes

    def __init__(self, progress: Progress, **kwargs: Any) -> None:
        self.progress = progress
        super().__init__(**kwargs)

    @property
    def format_dict(self) -> MutableMapping[str, Any]:
        d = super().format_dict
        d["line"] = self.progress.line()
        return d


# tqdm's default lock includes a multiprocessing lock (semaphores); one process draws here, a thread lock will do.
_Bar.set_lock(threading.RLock())


class _Lines:
    """A file for tqdm when the stream is not a terminal: each redraw ("\\r" + line + padding) becomes a line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, s: str) -> None:
        line = s.strip("\r").rstrip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()
