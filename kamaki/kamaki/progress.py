"""Progress bars with rate and ETA (on stderr, only when it is a terminal).

rich is imported only when a bar is shown: a scripted run starts faster without it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LABELS = {"hash": "hashing", "upload": "uploading", "download": "downloading"}


def enabled(wanted: bool = True) -> bool:
    return wanted and sys.stderr.isatty()


@contextmanager
def transfer_bars(show: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A callback(phase, delta_bytes, total_bytes) for snf_common.clients.sync, or None."""
    if not enabled(show):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), DownloadColumn(),
                        TransferSpeedColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=False)
    tasks: dict[str, int] = {}

    def advance(phase: str, delta: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(LABELS.get(phase, phase), total=total)
        progress.advance(tasks[phase], delta)

    with progress:
        yield advance


@contextmanager
def status_spinner(show: bool, text: str) -> Iterator[Callable[[str], None]]:
    """A spinner with elapsed time; the callback updates its text."""
    if not enabled(show):
        yield lambda _text: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task(text, total=None)
        yield lambda new: progress.update(task, description=new)
