"""Work shared out to forked processes, for editions with many documents.

A forked child inherits the parsed and resolved edition as it stands in memory, so
nothing but each result is sent back (pickled, through a pipe). Plain ``os.fork``
rather than a ``multiprocessing`` pool: a pool keeps threads of its own in this
process, and a process that forks while threads run may deadlock in the child.
The results come back in the order of the items, whatever the number of workers,
so the site is the same bytes with one worker or several.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import traceback
from typing import Callable, Iterable, TypeVar

from .diagnostics import BuildFailed

T = TypeVar("T")
R = TypeVar("R")


def available() -> int:
    """How many processes may share the work: the cores this process may use."""
    if not hasattr(os, "fork"):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Forked:
    """``function`` over ``items`` in ``workers`` forked children, started at once; ``results()``
    waits for them. Meanwhile this process may go on with other work."""

    def __init__(self, function: Callable[[T], R], items: Iterable[T], workers: int):
        items = list(items)
        self._count = len(items)
        self._children: list[tuple[int, int]] = []  # (pid, the read end of its pipe)
        for worker in range(min(workers, len(items))):
            share = list(range(worker, len(items), workers))  # interleaved: long and short items mix
            read, write = os.pipe()
            pid = _fork()
            if pid == 0:  # the child: work, send, and leave without running the parent's clean-up
                os.close(read)
                code = 0
                try:
                    try:
                        result = ("ok", [(i, function(items[i])) for i in share])
                    except BuildFailed as failure:
                        result = ("failed", failure.diagnostics)
                    except BaseException:  # noqa: BLE001 - reported by the parent, with its traceback
                        result = ("error", traceback.format_exc())
                    with os.fdopen(write, "wb") as pipe:
                        pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:  # noqa: BLE001
                    code = 1
                finally:
                    os._exit(code)
            os.close(write)
            self._children.append((pid, read))
        self._received: dict[int, bytes] = {}  # by the read end: what a child has sent
        self._outcome: list | BaseException | None = None

    def ready(self) -> bool:
        """Whether every child has sent its result (what has come is read, without waiting for more)."""
        for _, read in self._children:
            if read not in self._received and select.select([read], [], [], 0)[0]:
                self._received[read] = _read_all(read)  # the child writes its result at once, then ends
        return len(self._received) == len(self._children)

    def close(self) -> None:
        """Stop the children that are still working (this process gave up waiting for them)."""
        for pid, read in self._children:
            try:
                os.close(read)
            except OSError:  # closed already: the child was being collected when this process gave up
                pass
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._children = []

    def results(self) -> list[R]:
        """The results in the order of the items; BuildFailed with every child's problems. Asked
        again, the same results (or the same failure)."""
        if self._outcome is None:
            try:
                self._outcome = self._collect()
            except (BuildFailed, RuntimeError) as e:
                self._outcome = e
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome

    def _collect(self) -> list[R]:
        results: list = [None] * self._count
        problems, errors = [], []
        for pid, read in list(self._children):
            data = self._received.pop(read) if read in self._received else _read_all(read)
            os.close(read)
            os.waitpid(pid, 0)
            self._children.remove((pid, read))  # collected: not stopped by close()
            if not data:
                errors.append(f"a worker process (pid {pid}) ended without a result")
                continue
            status, payload = pickle.loads(data)
            if status == "ok":
                for i, result in payload:
                    results[i] = result
            elif status == "failed":
                problems += payload
            else:
                errors.append(payload)
        if errors:
            raise RuntimeError("a worker process failed:\n" + "\n".join(errors))
        if problems:
            raise BuildFailed(problems)
        return results


def _fork() -> int:
    """``os.fork``, with Ctrl-C held back meanwhile: one that came during the fork would be raised
    in the at-fork handlers of Python's modules, which swallow it, and the build would go on. The
    parent is interrupted as soon as the fork returns; the child begins with no signal pending."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return os.fork()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def fork_map(function: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """``[function(item) for item in items]``, shared among ``workers`` processes when more than one."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    forked = Forked(function, items, workers)
    try:
        return forked.results()
    except KeyboardInterrupt:  # Ctrl-C: the workers are stopped, not waited for
        forked.close()
        raise
