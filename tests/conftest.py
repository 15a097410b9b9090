"""Shared fixtures: the project's paths, one site built per test session, and
helpers to read pages as a reader sees them."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import pytest
from lxml import html

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "frus1969-76ve13-d171.xml"
SCHEMA = ROOT / "source" / "schema"
SOURCE_TEXT = ROOT.parent / "shared" / "source-text" / "frus1969-76ve13-d171.txt"
TEI_ALL = ROOT.parent / "shared" / "schemas" / "tei_all.rng"

sys.path.insert(0, str(ROOT))

# The local server, the browser and the checkers, for the tests that need them.
pytest_plugins = ("browsing",)


def pytest_xdist_auto_num_workers(config) -> int | None:
    """``-n auto``: one worker more than the cores. A browser test waits on Chromium a round trip at a
    time (a page's load, its frames); with a worker a core, the cores were busy 90% of the suite, with
    one more 97-98%, and the suite took 265-266 s where it took 270-283 s (two cores). The variable
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides, when set (None: xdist reads it)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The edition built once, from the real source, into a fresh directory."""
    from build import build

    out = tmp_path_factory.mktemp("built") / "site"
    build(SOURCE, out, base_url="")  # no public address, whatever source/edition.toml says
    return out


#: What a copy of the project leaves out: what is installed (the checkers' 142 MB among them), built,
#: cached or left by tests.
NOT_THE_PROJECT = (".venv", ".git", "site", ".site-builds", ".build-cache", "__pycache__", "*.egg-info",
                   ".pytest_cache", "node_modules", "test-artifacts")


def project_copy(folder: Path) -> Path:
    """A copy of the project in ``folder``, to run build.py in: its own sources, lock and (empty) cache."""
    shutil.copytree(ROOT, folder, ignore=shutil.ignore_patterns(*NOT_THE_PROJECT))
    return folder


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file of a built site (or any folder) by its path within it, with its bytes: what a reader
    of it would get, links followed. Plain os.scandir and strings, each path made by joining (os.walk
    and os.path.relpath took nearly three times as long): tests take it hundreds of times (test_atomic.py)."""
    found = {}

    def read(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    read(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file():
                    with open(entry.path, "rb") as file:
                        found[prefix + entry.name] = file.read()

    read(str(site), "")
    return found


@pytest.fixture(scope="session")
def source_paragraphs() -> list[str]:
    """The paragraphs of the source text, as its blank lines divide them."""
    if not SOURCE_TEXT.exists():
        pytest.fail(f"the source text is missing: {SOURCE_TEXT}")
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def edition_tei():
    """Document 171's TEI with the shared apparatus's standOff in it, as one tree: the apparatus
    as it stood in the single-document edition, for tests that read both together."""
    from copy import deepcopy as copy_of

    from edition.load import NS, load_tei

    tei = load_tei(SOURCE)
    standoff = load_tei(ROOT / "source" / "apparatus.xml").root.find("tei:standOff", NS)
    tei.root.insert(1, copy_of(standoff))
    return tei


def edition_model():
    """The edition as the build models it: every document and the shared apparatus."""
    from build import load_edition
    from edition.model import build_model

    tei, others, apparatus = load_edition(SOURCE)
    return build_model(tei, others, apparatus)


def page(site: Path, name: str) -> html.HtmlElement:
    return html.fromstring((site / name).read_bytes())


def visible_text(element: html.HtmlElement) -> str:
    """What a reader reads in a block: no permalinks, no screen-reader-only text."""
    copy = deepcopy(element)
    for hidden in copy.xpath(".//*[contains(concat(' ', @class, ' '), ' permalink ')"
                             " or contains(concat(' ', @class, ' '), ' visually-hidden ')]"):
        hidden.drop_tree()
    return " ".join(copy.text_content().split())


def text_blocks(doc: html.HtmlElement) -> list[html.HtmlElement]:
    """The blocks of the document and of its FRUS notes, in reading order."""
    return doc.xpath("//article[@id='document']//*[self::h1 or self::h2 or self::p]"
                     " | //section[@id='notes']//div[@role='doc-footnote']/p")


def run_build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def mutate(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """A copy of the TEI with ``old`` replaced by ``new`` (which must occur)."""
    text = SOURCE.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} is not in the source"
    path = tmp_path / SOURCE.name
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def line_col(path: Path, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the first ``needle`` in a file."""
    text = path.read_text(encoding="utf-8")
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


DIAGNOSTIC = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error: (?P<what>.+?)(?: \((?P<hint>.+)\))?$", re.M)


#: The public address the citation tests build with (the edition's own is not decided yet).
BASE_URL = "https://example.org/frus-d171/"


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> Path:
    """The edition built once with a public base URL, as it will be published."""
    from build import build

    out = tmp_path_factory.mktemp("published") / "site"
    build(SOURCE, out, base_url=BASE_URL)
    return out
