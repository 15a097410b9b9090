"""The build shared among processes gives the same site, and the same problems, as one process."""
from __future__ import annotations

import sys

import pytest

from build import PARALLEL_FROM, build
from conftest import ROOT, SOURCE
from edition.diagnostics import BuildFailed
from edition.parallel import Forked, fork_map

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import synthetic_edition  # noqa: E402


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """An edition of more documents than PARALLEL_FROM: the real six and copies."""
    return synthetic_edition(tmp_path_factory.mktemp("large"), PARALLEL_FROM + 6)


def test_the_edition_is_the_same_bytes_with_one_worker_or_several():
    one = build(SOURCE, None, base_url="", workers=1)
    assert build(SOURCE, None, base_url="", workers=2) == one
    assert build(SOURCE, None, base_url="", workers=3) == one


def test_a_large_edition_is_the_same_bytes_with_one_worker_or_several(large):
    one = build(large, None, base_url="", workers=1)
    several = build(large, None, base_url="")  # as many as the machine has, by default
    assert several == one
    assert sum(path.endswith(".html") for path in one) > 3 * PARALLEL_FROM


def test_every_problem_of_a_large_edition_is_reported_in_order_by_any_number_of_workers(large, tmp_path):
    import shutil
    folder = tmp_path / "source"
    shutil.copytree(large.parent, folder)
    broken = []
    for name in ("frus1969-76ve13-d1001.xml", "frus1969-76ve13-d1012.xml"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("<p xml:id=", '<p rend="bold" xml:id=', 1), encoding="utf-8")
        broken.append(path)
    reports = []
    for workers in (1, 2, 3):
        with pytest.raises(BuildFailed) as failure:
            build(folder / SOURCE.name, None, base_url="", workers=workers)
        reports.append([str(d) for d in failure.value.diagnostics])
    assert reports[0] == reports[1] == reports[2]
    assert [r.split(":")[0] for r in reports[0]] == [str(p) for p in broken]
    assert all("rend" in r for r in reports[0])


def test_a_failing_worker_is_an_error_in_this_process_not_a_lost_result():
    def fails(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        return n

    with pytest.raises(RuntimeError, match="ValueError: three"):
        fork_map(fails, range(6), 2)
    assert fork_map(lambda n: n * n, range(7), 3) == [n * n for n in range(7)]


def test_problems_found_by_workers_come_back_whole():
    from edition.diagnostics import Diagnostic

    def finds(n: int) -> int:
        raise BuildFailed([Diagnostic("source/x.xml", n, 1, f"problem {n}", "hint")])

    with pytest.raises(BuildFailed) as failure:
        Forked(finds, [1, 2], 2).results()
    assert sorted(d.line for d in failure.value.diagnostics) == [1, 2]
