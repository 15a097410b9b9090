"""Every page, and the stylesheet, pass the Nu HTML Checker with no error."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browsing import site_pages


def nu_errors(java_vnu: list[str], root: Path, files: list[Path]) -> dict[str, list[str]]:
    """The checker's errors, by path under ``root``, for all files in one run (the JVM starts once)."""
    result = subprocess.run([*java_vnu, "--errors-only", "--also-check-css", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout)
    errors: dict[str, list[str]] = {str(f.relative_to(root)): [] for f in files}
    for message in report["messages"]:
        checked = Path(unquote(urlsplit(message.get("url", "")).path))
        where = str(checked.relative_to(root)) if checked.is_relative_to(root) else str(checked)
        errors.setdefault(where, []).append(
            f"{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}: {message['type']}: {message['message']}")
    return errors


@pytest.fixture(scope="module")
def site_errors(site, java_vnu) -> dict[str, list[str]]:
    return nu_errors(java_vnu, site, sorted(site.rglob("*.html")) + sorted(site.rglob("*.css")))


@pytest.mark.parametrize("name", site_pages())
def test_the_page_is_valid_html(name, site_errors):
    assert site_errors[name] == []


def test_the_stylesheets_are_valid_css(site, site_errors):
    sheets = [str(p.relative_to(site)) for p in site.rglob("*.css")]
    assert sheets and {sheet: site_errors[sheet] for sheet in sheets} == {sheet: [] for sheet in sheets}


def test_the_checker_as_run_here_reports_an_invalid_page(tmp_path, java_vnu):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><title>t</title><p><div>block in p</div></p><span id="a" id="b">',
                   encoding="utf-8")
    assert nu_errors(java_vnu, tmp_path, [bad])["bad.html"]
