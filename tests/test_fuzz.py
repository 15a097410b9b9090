"""Mutated TEI ends in a successful build or in located diagnostics: never a traceback, never a hang."""
from __future__ import annotations

import random
import time

import pytest

from build import build
from conftest import SOURCE
from edition.diagnostics import BuildFailed
from fuzz import mutate

CASES = 600
SEED = 171
SECONDS_PER_CASE = 2.0

#: Problems with the whole file, which has no place to point at.
WHOLE_FILE = ("source file is empty (", )


def cases() -> list[bytes]:
    rng = random.Random(SEED)
    original = SOURCE.read_bytes()
    return [mutate(original, rng) for _ in range(CASES)]


def test_every_mutated_tei_builds_or_fails_with_located_diagnostics(tmp_path):
    outcomes = {"built": 0, "failed": 0}
    for number, data in enumerate(cases()):
        path = tmp_path / SOURCE.name
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            build(path, None)
            outcomes["built"] += 1
        except BuildFailed as failure:
            outcomes["failed"] += 1
            assert failure.diagnostics, f"case {number}: BuildFailed without diagnostics"
            for d in failure.diagnostics:
                assert d.path.endswith(SOURCE.name), f"case {number}: {d}"
                assert d.line > 0 and d.col > 0 or str(d).split(": error: ")[1].startswith(WHOLE_FILE), \
                    f"case {number}: no line and column in {d}"
        except Exception as e:  # anything else is a crash an editor would see as a traceback
            (tmp_path / f"case-{number}.xml").write_bytes(data)
            pytest.fail(f"case {number} (kept in {tmp_path}) raised {type(e).__name__}: {e}")
        assert time.perf_counter() - started < SECONDS_PER_CASE, f"case {number} took too long"
    assert outcomes["failed"] > CASES // 2, outcomes  # the mutator really breaks things
