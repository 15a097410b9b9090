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


# --- the validation of a build from the command line, in a forked process ----------------------------

VALIDATION = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from build import load_edition
from edition.diagnostics import BuildFailed
from edition.validate import start_validation
tei, others, apparatus = load_edition(Path({source!r}))
schema = Path({schema!r})
validation = start_validation([(s, schema / "edition.rng") for s in [tei, *others]]
                              + [(apparatus, schema / "apparatus.rng")], schema / "edition.sch", {workers})
try:
    validation()
    found = []
except BuildFailed as failure:
    found = [str(d) for d in failure.diagnostics]
print(json.dumps({{"where": validation.where, "found": found, "failed": validation.failed()}}))
"""


def validated_apart(source, schema, workers: int = 1) -> dict:
    """What a fresh process (its only thread, as a build from the command line) finds."""
    import json
    import subprocess

    script = VALIDATION.format(root=str(ROOT), source=str(source), schema=str(schema), workers=workers)
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


def test_a_schema_that_does_not_compile_is_reported_once_by_the_forked_validation(broken_copy):
    source, schema = broken_copy
    rules = schema / "edition.sch"
    rules.write_text(rules.read_text(encoding="utf-8").replace('<sch:rule context="tei:join">',
                                                               '<sch:rule context="tei:join[">'), encoding="utf-8")
    apart = validated_apart(source, schema)
    assert apart["where"] == "process"
    (problem,) = apart["found"]
    assert problem.startswith(f"{rules}:") and "the schema does not compile" in problem
