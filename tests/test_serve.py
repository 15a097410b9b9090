"""The live preview: serves on 127.0.0.1, rebuilds on change, shows problems, never changes the built site."""
from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from build import TEMPLATES, build, run
from conftest import ROOT, SOURCE, line_col, run_build
from edition.kept import Kept
from edition.serve import Preview, Ready
from edition.summary import summary

WAIT = 10.0  # seconds a test waits for a rebuild before failing: bounded, and generous for a busy machine


class Folder:
    """A copy of the sources an editor works on, previewed into its own site."""

    def __init__(self, tmp_path: Path):
        self.source = tmp_path / "source" / SOURCE.name
        self.source.parent.mkdir()
        shutil.copy(SOURCE, self.source)
        self.templates = tmp_path / "templates"
        shutil.copytree(TEMPLATES, self.templates)
        self.site = tmp_path / "out" / "site"
        self.out = io.StringIO()
        self.kept = Kept()

    def rebuild(self, ready: Ready) -> str:
        """As build.py --serve rebuilds: in one process, keeping what it parsed and made."""
        links, files = run(self.source, self.site, self.templates, workers=1, kept=self.kept, ready=ready)
        return f"Built: {summary(links, files)}."

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def folder(tmp_path):
    return Folder(tmp_path)


@pytest.fixture
def preview(folder):
    server = Preview(folder.rebuild, folder.site, [folder.source.parent, folder.templates], port=0, out=folder.out)
    server.start()
    yield server
    server.stop()


def get(preview: Preview, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(preview.url + path.lstrip("/"), timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def next_version(preview: Preview, version: str) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        now = get(preview, "/__preview__/version")[1]
        if now != version:
            return now
        time.sleep(0.05)
    pytest.fail("the preview did not rebuild")


def test_the_preview_listens_on_127_0_0_1_only(preview):
    assert preview.server.server_address[0] == "127.0.0.1"
    assert preview.url.startswith("http://127.0.0.1:")


def test_served_pages_carry_the_reload_script_and_the_built_files_do_not(preview, folder):
    status, page = get(preview, "/text.html")
    assert status == 200 and '<script src="/__preview__/reload.js" data-version="' in page
    assert "connect-src 'self'" in page
    on_disk = {p.name: p.read_bytes() for p in folder.site.rglob("*.html")}
    assert on_disk and not any(b"__preview__" in data for data in on_disk.values())
    assert on_disk["text.html"] == build(folder.source, None, folder.templates)["text.html"]


def test_an_edit_of_the_tei_is_rebuilt_and_served(preview, folder):
    version = get(preview, "/__preview__/version")[1]
    folder.edit(folder.source, "Vice Minister Thach</persName>", "Vice Minister Thach (edited)</persName>")
    next_version(preview, version)
    assert "Thach (edited)" in get(preview, "/text.html")[1]


def test_the_preview_serves_the_search_and_rebuilds_its_index_on_an_edit(preview, folder):
    status, page = get(preview, "/search.html")
    assert status == 200 and "'wasm-unsafe-eval'" in page
    with urllib.request.urlopen(preview.url + "pagefind/pagefind.js", timeout=5) as response:
        assert response.headers.get_content_type() == "text/javascript"  # a module the page can import
    entry = get(preview, "/pagefind/pagefind-entry.json")[1]
    version = get(preview, "/__preview__/version")[1]
    folder.edit(folder.source, "Vice Minister Thach</persName>", "Vice Minister Thach (edited)</persName>")
    next_version(preview, version)  # the pages: the index of the edited words follows them
    deadline = time.monotonic() + WAIT
    while get(preview, "/pagefind/pagefind-entry.json")[1] == entry:
        assert time.monotonic() < deadline, "the search index was not rebuilt"
        time.sleep(0.05)


def test_an_edit_of_a_template_is_rebuilt_and_served(preview, folder):
    version = get(preview, "/__preview__/version")[1]
    folder.edit(folder.templates / "names.html", "{% else %}Names{% endif %}</h1>", "{% else %}Names of the document{% endif %}</h1>")
    next_version(preview, version)
    assert "<h1>Names of the document</h1>" in get(preview, "/names.html")[1]


def test_a_failed_rebuild_keeps_the_last_good_site_and_shows_its_problems(preview, folder):
    version = get(preview, "/__preview__/version")[1]
    link = os.readlink(folder.site)
    folder.edit(folder.source, 'ref="#person-thach"', 'ref="#person-thatch"')
    next_version(preview, version)
    page = get(preview, "/text.html")[1]
    assert '<div class="preview-problems" role="alert">' in page
    line, col = line_col(folder.source, 'ref="#person-thatch"')
    col = folder.source.read_text(encoding="utf-8").splitlines()[line - 1].rindex("<persName", 0, col) + 1
    assert f"{line}:{col}: error: @ref=&#34;#person-thatch&#34; names no person, org or place in standOff" in page
    assert 'ref="#person-thach"' not in page and "Vice Minister Thach" in page  # the last good text
    assert os.readlink(folder.site) == link
    printed = folder.out.getvalue()
    assert f"{line}:{col}: error: @ref=\"#person-thatch\" names no person" in printed
    assert "1 problem found; the last good site is still served." in printed


def test_the_problems_go_once_the_tei_is_fixed(preview, folder):
    version = get(preview, "/__preview__/version")[1]
    folder.edit(folder.source, 'ref="#person-thach"', 'ref="#person-thatch"')
    version = next_version(preview, version)
    folder.edit(folder.source, 'ref="#person-thatch"', 'ref="#person-thach"')
    next_version(preview, version)
    assert "preview-problems" not in get(preview, "/text.html")[1]


def test_nothing_outside_the_site_is_served(preview):
    assert get(preview, "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert get(preview, "/no-such-page.html")[0] == 404
    assert get(preview, "/")[0] == 200


def test_build_serve_prints_its_address_and_stops_on_ctrl_c(folder):
    command = [sys.executable, str(ROOT / "build.py"), "--serve", "--port", "0",
               "--source", str(folder.source), "--out", str(folder.site)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("Built ")
        serving = process.stdout.readline()
        assert serving.startswith(f"Serving {folder.site} at http://127.0.0.1:"), serving
        url = serving.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url + "names.html", timeout=5) as response:
            assert response.status == 200 and b"reload.js" in response.read()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.stdout.close()
        process.stderr.close()


def _page(url: str, wanted: str) -> None:
    """Wait until ``url`` is served with ``wanted`` in it, or fail."""
    deadline, seen = time.monotonic() + 3 * WAIT, None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if wanted in (seen := response.read().decode("utf-8")):
                    return
        except OSError as error:  # not serving yet
            seen = error
        time.sleep(0.1)
    pytest.fail(f"{url} was never served with {wanted!r}; last: {str(seen)[:200]}")


def test_a_preview_whose_log_nobody_reads_serves_rebuilds_and_stops_without_a_traceback(folder):
    """``build.py --serve | head -0``: the log's pipe is closed before its first line. The preview
    serves all the same, rebuilds on an edit and stops on Ctrl-C, with nothing on its error stream."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    read, write = os.pipe()
    os.close(read)  # nobody reads the log
    command = [sys.executable, str(ROOT / "build.py"), "--serve", "--port", str(port),
               "--source", str(folder.source), "--out", str(folder.site)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    url = f"http://127.0.0.1:{port}/"
    try:
        _page(url + "text.html", "Vice Minister Thach")
        folder.edit(folder.source, "Vice Minister Thach</persName>", "Vice Minister Thach (edited)</persName>")
        _page(url + "text.html", "Thach (edited)")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        errors = process.stderr.read()
        process.stderr.close()
    assert errors == ""


@pytest.mark.parametrize("args", [["--port", "8001"], ["--serve", "--check"]], ids=["port without serve", "serve with check"])
def test_a_contradictory_preview_command_is_a_usage_error(args):
    result = run_build(*args)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_when_the_first_build_fails_every_page_shows_the_problems(folder):
    folder.edit(folder.source, 'ref="#person-thach"', 'ref="#person-thatch"')
    server = Preview(folder.rebuild, folder.site, [folder.source.parent], port=0, out=folder.out)
    server.start()
    try:
        status, page = get(server, "/text.html")
    finally:
        server.stop()
    assert status == 200 and not folder.site.exists()
    assert '<div class="preview-problems" role="alert">' in page and "@ref=&#34;#person-thatch&#34;" in page
    assert '<script src="/__preview__/reload.js"' in page  # so the fix shows without reloading by hand


def test_a_fault_of_the_build_itself_is_shown_and_the_preview_keeps_running(folder):
    def faulty(ready: Ready) -> str:
        raise ZeroDivisionError("division by zero")

    server = Preview(faulty, folder.site, [folder.source.parent], port=0, out=folder.out)
    server.start()
    try:
        page = get(server, "/")[1]
        assert "internal error: ZeroDivisionError: division by zero (a fault of the build" in page
        assert "Traceback" in folder.out.getvalue()
        server.rebuild_site = folder.rebuild
        version = get(server, "/__preview__/version")[1]
        folder.edit(folder.source, "Vice Minister Thach</persName>", "Vice Minister Thach (again)</persName>")
        next_version(server, version)
        assert "Thach (again)" in get(server, "/text.html")[1]
    finally:
        server.stop()


def test_a_port_in_use_is_named_and_exits_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_build("--serve", "--port", str(port), "--out", str(tmp_path / "site"))
    assert (result.returncode, result.stderr) == (
        1, f"error: cannot serve on 127.0.0.1:{port}: Address already in use (choose another port with --port N)\n")
