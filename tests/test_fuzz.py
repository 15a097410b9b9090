"""Mutated TEI ends in a successful build or in located diagnostics: never a traceback, never a hang."""
from __future__ import annotations

import random
import signal
import time

import pytest

from build import build
from conftest import SOURCE
from edition.diagnostics import BuildFailed
from fuzz import mutate

CASES = 600
SEED = 171
#: A case may take this long, or this many times as long as a build of the real sources takes on the
#: machine as loaded at the time (parallel test workers share it), whichever is more: a hang is
#: what takes far longer than a build, not what a busy machine slows down.
SECONDS_PER_CASE = 2.0
TIMES_A_BUILD = 10

#: Problems with the whole file, which has no place to point at.
WHOLE_FILE = ("source file is empty",)


def cases() -> list[bytes]:
    rng = random.Random(SEED)
    original = SOURCE.read_bytes()
    return [mutate(original, rng) for _ in range(CASES)]


class Hang(Exception):
    pass


def _hang(signum, frame):
    raise Hang


#: The cases run in batches, so that parallel test workers share them out.
BATCHES = 6


@pytest.mark.parametrize("batch", range(BATCHES))
def test_every_mutated_tei_builds_or_fails_with_located_diagnostics(tmp_path, batch):
    outcomes = {"built": 0, "failed": 0}
    mine = list(enumerate(cases()))[batch::BATCHES]
    build(SOURCE, None)  # the schemas and templates compiled before the clock runs, not in the first case
    started = time.perf_counter()
    build(SOURCE, None, cache=None)
    limit = max(SECONDS_PER_CASE, TIMES_A_BUILD * (time.perf_counter() - started))
    previous = signal.signal(signal.SIGALRM, _hang)  # a case that hangs is stopped and fails
    try:
        for number, data in mine:
            check(number, data, tmp_path, outcomes, limit)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert outcomes["failed"] > len(mine) // 2, outcomes  # the mutator really breaks things


def check(number: int, data: bytes, tmp_path, outcomes: dict[str, int], limit: float = SECONDS_PER_CASE) -> None:
    """One case: a build, or BuildFailed whose every diagnostic is located; nothing else, and in time."""
    path = tmp_path / SOURCE.name
    path.write_bytes(data)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        build(path, None)
        outcomes["built"] += 1
    except BuildFailed as failure:
        outcomes["failed"] += 1
        assert failure.diagnostics, f"case {number}: BuildFailed without diagnostics"
        for d in failure.diagnostics:
            # In the mutated file; or in the anchor lock, the shared apparatus or another document
            # of the edition, whose pointers or quotations of this one the mutation broke.
            assert d.path.endswith(SOURCE.name) or d.path.startswith("source/"), f"case {number}: {d}"
            assert d.line > 0 and d.col > 0 or d.message.startswith(WHOLE_FILE), f"case {number}: not located: {d}"
    except Hang:
        (tmp_path / f"case-{number}.xml").write_bytes(data)
        pytest.fail(f"case {number} (kept in {tmp_path}) did not end within {limit:.1f} s")
    except Exception as e:  # anything else is a crash an editor would see as a traceback
        (tmp_path / f"case-{number}.xml").write_bytes(data)
        pytest.fail(f"case {number} (kept in {tmp_path}) raised {type(e).__name__}: {e}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
