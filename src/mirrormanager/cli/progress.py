"""Progress bars on a terminal, nothing otherwise (logs carry the story for cron)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextlib.contextmanager
def terminal_progress(
    enabled: bool = True,
) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """Yield a callback (label, done, total) drawing one bar per label, or None off a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bars: dict[str, object] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:

        def update(label: str, done: int, total: int | None) -> None:
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)  # type: ignore[arg-type]

        yield update
