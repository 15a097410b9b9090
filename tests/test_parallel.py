"""The build shared among processes gives the same site, and the same problems, as one process."""
from __future__ import annotations

import os
import sys
from pathlib import Path

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


def _children() -> set[str]:
    """The processes this one has started and not yet waited for (the build forks from this thread)."""
    return set(Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split())


def test_a_large_edition_indexed_by_forked_processes_reports_pagefind_failing_once_and_leaves_none(
        large, tmp_path, monkeypatch):
    import stat
    from edition import search

    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\necho 'pagefind: cannot index here' >&2\nexit 3\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(search, "_binary", lambda: program)
    assert len(search.shards(resolve_large(large))) > 1  # so more than one process fails
    before = _children()
    with pytest.raises(BuildFailed) as failure:
        build(large, None, base_url="", workers=2, cache=None)
    assert [str(d) for d in failure.value.diagnostics] == [
        f"{program}: error: the search index was not built: Pagefind stopped before it answered (exit status 3): "
        "pagefind: cannot index here (install the edition's packages again: .venv/bin/pip install -e . "
        "installs Pagefind 1.5.2)"]
    assert _children() == before


def test_a_build_that_fails_after_the_indexes_were_begun_leaves_no_process_behind(large, tmp_path):
    before = _children()
    with pytest.raises(BuildFailed, match="the anchor lock is missing"):
        build(large, None, base_url="", workers=2, cache=None, lock=tmp_path / "anchors.lock.json")
    assert _children() == before


def resolve_large(central: Path):
    from build import load_edition
    from edition.model import build_model
    from edition.resolve import resolve

    tei, others, apparatus = load_edition(central)
    return resolve(build_model(tei, others, apparatus), "")


def test_ctrl_c_while_workers_render_stops_them():
    import json
    import subprocess

    script = f"""
import json, os, signal, sys, time
sys.path.insert(0, {str(ROOT)!r})
from edition.parallel import fork_map
def interrupt(*_):
    raise KeyboardInterrupt
signal.signal(signal.SIGALRM, interrupt)
signal.setitimer(signal.ITIMER_REAL, 0.5)  # Ctrl-C, half a second into the work
try:
    fork_map(lambda n: time.sleep(60), range(4), 2)
except KeyboardInterrupt:
    print(json.dumps(open(f"/proc/{{os.getpid()}}/task/{{os.getpid()}}/children").read().split()))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []  # the workers stopped, not left to sleep their minute


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


# --- the validation of a build from the command line, in a forked process ----------------------------

VALIDATION = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from build import load_edition
from edition.diagnostics import BuildFailed
from edition.cache import Cache
from edition.validate import start_validation
tei, others, apparatus = load_edition(Path({source!r}))
schema = Path({schema!r})
cache = Cache(None if {cache!r} is None else Path({cache!r}))
validation = start_validation([(s, schema / "edition.rng") for s in [tei, *others]]
                              + [(apparatus, schema / "apparatus.rng")], schema / "edition.sch", {workers}, cache)
try:
    validation()
    found = []
except BuildFailed as failure:
    found = [str(d) for d in failure.diagnostics]
print(json.dumps({{"where": validation.where, "found": found, "failed": validation.failed()}}))
"""


def validated_apart(source, schema, workers: int = 1, cache: Path | None = None) -> dict:
    """What a fresh process (its only thread, as a build from the command line) finds."""
    import json
    import subprocess

    script = VALIDATION.format(root=str(ROOT), source=str(source), schema=str(schema), workers=workers,
                               cache=None if cache is None else str(cache))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def broken_copy(tmp_path):
    """The edition's sources and schemas, with a grammar problem, a rule's and one across files."""
    import shutil

    folder, schema = tmp_path / "source", tmp_path / "schema"
    shutil.copytree(SOURCE.parent, folder, ignore=shutil.ignore_patterns("schema"))
    shutil.copytree(SOURCE.parent / "schema", schema)
    for name, old, new in [(SOURCE.name, "Begin text:</p>", "Begin <hi>text</hi>:</p>"),
                           ("frus1969-76ve13-d172.xml", 'xml:id="d172-heading"', 'xml:id="d172-heading" when="1972-13-45"'),
                           ("frus1969-76ve13-d174.xml", 'xml:id="d174-heading"', 'xml:id="d172-heading"')]:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / SOURCE.name, schema


def test_a_process_with_no_other_thread_validates_in_a_forked_one_and_finds_what_is_found_at_once(broken_copy):
    from edition.validate import start_validation
    from build import load_edition

    source, schema = broken_copy
    apart = validated_apart(source, schema)
    assert apart["where"] == "process" and apart["failed"]
    tei, others, apparatus = load_edition(source)
    here = start_validation([(s, schema / "edition.rng") for s in [tei, *others]]
                            + [(apparatus, schema / "apparatus.rng")], schema / "edition.sch", 0)
    with pytest.raises(BuildFailed) as failure:
        here()
    assert apart["found"] == [str(d) for d in failure.value.diagnostics]
    assert len(apart["found"]) == 4  # <hi>, the month, the id in d172 and again in d174
    assert [line.split(":")[0].rsplit("/", 1)[1] for line in apart["found"]] == [
        SOURCE.name, "frus1969-76ve13-d172.xml", "frus1969-76ve13-d172.xml", "frus1969-76ve13-d174.xml"]


def validated_here(source, schema) -> list[str]:
    """What the validation finds at once, in this process, with nothing cached."""
    from edition.validate import start_validation
    from build import load_edition

    tei, others, apparatus = load_edition(source)
    here = start_validation([(s, schema / "edition.rng") for s in [tei, *others]]
                            + [(apparatus, schema / "apparatus.rng")], schema / "edition.sch", 0)
    with pytest.raises(BuildFailed) as failure:
        here()
    return [str(d) for d in failure.value.diagnostics]


def test_forked_processes_that_share_the_files_find_what_is_found_at_once(broken_copy):
    source, schema = broken_copy
    apart = validated_apart(source, schema, workers=2)
    assert apart["where"] == "processes"
    assert apart["found"] == validated_here(source, schema)  # the id repeated across files among them


def test_one_file_to_validate_among_many_is_validated_in_a_forked_process_with_the_checks_across_files(tmp_path):
    # A plain build after one change: the other files' problems come from the cache; the changed
    # one and the checks across files, which read every file, are made in one forked process,
    # with one worker or several, and find what is found at once.
    import shutil

    folder, schema, cache = tmp_path / "source", tmp_path / "schema", tmp_path / "cache"
    shutil.copytree(SOURCE.parent, folder, ignore=shutil.ignore_patterns("schema"))
    shutil.copytree(SOURCE.parent / "schema", schema)
    source = folder / SOURCE.name
    assert validated_apart(source, schema, workers=2, cache=cache) == {"where": "processes", "found": [],
                                                                       "failed": False}
    changed = folder / "frus1969-76ve13-d174.xml"
    text = changed.read_text(encoding="utf-8").replace('xml:id="d174-heading"', 'xml:id="d172-heading"', 1)
    for workers in (1, 2):
        changed.write_text(f"{text}<!-- changed for {workers} -->\n", encoding="utf-8")  # not in the cache yet
        apart = validated_apart(source, schema, workers=workers, cache=cache)
        assert apart["where"] == "process" and apart["failed"]
        assert apart["found"] == validated_here(source, schema)
        assert len(apart["found"]) == 2 and all('duplicate xml:id "d172-heading"' in d for d in apart["found"])


def test_a_schema_that_does_not_compile_is_reported_once_by_the_forked_validation(broken_copy):
    source, schema = broken_copy
    rules = schema / "edition.sch"
    rules.write_text(rules.read_text(encoding="utf-8").replace('<sch:rule context="tei:join">',
                                                               '<sch:rule context="tei:join[">'), encoding="utf-8")
    apart = validated_apart(source, schema)
    assert apart["where"] == "process"
    (problem,) = apart["found"]
    assert problem.startswith(f"{rules}:") and "the schema does not compile" in problem
