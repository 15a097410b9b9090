"""One build step: complete, reproducible, and never a half-written site."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

from conftest import ROOT, SOURCE, mutate, project_copy, run_build, snapshot
from build import build
from edition.write import builds_dir


def test_the_build_writes_every_view(site):
    for name in ("index.html", "text.html", "diplomatic.html", "names.html",
                 f"tei/{SOURCE.name}", "static/edition.css"):
        assert (site / name).is_file(), name


def test_two_builds_of_the_same_source_are_byte_identical(tmp_path):
    build(SOURCE, tmp_path / "a" / "site")
    build(SOURCE, tmp_path / "b" / "site")
    first, second = snapshot(tmp_path / "a" / "site"), snapshot(tmp_path / "b" / "site")
    assert first and first == second


def test_rebuilding_replaces_the_site_in_one_switch_and_keeps_only_the_build_before_as_the_spare(tmp_path):
    site = tmp_path / "site"
    build(SOURCE, site)
    first = os.readlink(site)
    assert sorted(p.name for p in builds_dir(site).iterdir()) == sorted([Path(first).name, Path(first).name + ".digests"])
    build(SOURCE, site)
    second = os.readlink(site)
    assert site.is_symlink() and second != first
    names = lambda *links: sorted(n for link in links for n in (Path(link).name, Path(link).name + ".digests"))  # noqa: E731
    assert sorted(p.name for p in builds_dir(site).iterdir()) == names(first, second)
    inode = (builds_dir(site) / Path(first).name).stat().st_ino
    build(SOURCE, site)  # made in the spare: the first build's directory, under a new name
    third = os.readlink(site)
    assert third not in (first, second) and (site.resolve()).stat().st_ino == inode
    assert sorted(p.name for p in builds_dir(site).iterdir()) == names(second, third)


def test_a_build_made_in_the_spare_replaces_only_what_differs_and_drops_what_was_put_there(tmp_path):
    from edition.write import publish

    site = tmp_path / "site"
    files = build(SOURCE, site)
    first = site.resolve()
    (site / "put-there-by-hand.html").write_text("not built", encoding="utf-8")
    publish(files, site)  # the spare is now the first build, with the file put there
    inode = {path: (first / path).stat().st_ino for path in files}
    changed = {**files, "names.html": files["names.html"] + b"<!-- changed -->\n"}
    del changed["changes.html"]
    assert publish(changed, site) == site.resolve()
    assert {str(p.relative_to(site.resolve())) for p in site.resolve().rglob("*") if p.is_file()} == set(changed)
    assert {path: (site / path).read_bytes() for path in changed} == changed
    # in the spare's directory: every file as it was but the changed one
    assert [path for path in changed if (site / path).stat().st_ino != inode[path]] == ["names.html"]


def test_a_rebuild_links_the_files_it_would_write_again_and_writes_the_others(tmp_path):
    from edition.write import publish

    site = tmp_path / "site"
    files = build(SOURCE, site)
    inode = {path: (site / path).stat().st_ino for path in files}
    (site / "about.html").write_bytes(files["about.html"].replace(b"<h1>", b"<h1>Edited by hand: "))
    changed = {**files, "names.html": files["names.html"] + b"<!-- changed -->\n"}
    publish(changed, site)
    assert {path: (site / path).read_bytes() for path in changed} == changed  # the site is the new one
    written = {path for path in files if (site / path).stat().st_ino != inode[path]}
    # the changed page, and the page edited in the site since (its bytes are no longer what was written)
    assert written == {"names.html", "about.html"}
    assert all((site / path).stat().st_mode & 0o777 == 0o644 for path in files)


def test_a_half_written_build_left_by_a_killed_run_is_never_served_and_is_cleared(tmp_path):
    site = tmp_path / "site"
    build(SOURCE, site)
    before = snapshot(site)
    half = builds_dir(site) / "build-killed"
    (half / "tei").mkdir(parents=True)
    (half / "index.html").write_text("<!DOCTYPE html><title>half", encoding="utf-8")
    assert snapshot(site) == before
    build(SOURCE, site)
    assert not half.exists() and snapshot(site) == before


def test_a_plain_directory_in_the_way_is_replaced_whole(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("old", encoding="utf-8")
    build(SOURCE, site)
    assert site.is_symlink() and not (site / "stale.html").exists() and (site / "index.html").is_file()


def test_the_command_reports_what_it_wrote(tmp_path):
    result = run_build("--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built ") and "index.html" in result.stdout


def test_the_summary_counts_pages_files_anchors_notes_names_and_time(tmp_path):
    site = tmp_path / "site"
    result = run_build("--out", str(site))
    found = re.fullmatch(r"Built (?P<out>.+)/ in (?P<seconds>\d+\.\d\d) s: (?P<pages>\d+) pages, (?P<files>\d+) other files, "
                         r"(?P<anchors>\d+) anchors, (?P<notes>\d+) notes, (?P<names>\d+) names\. Open .+/index\.html\.\n",
                         result.stdout)
    assert found, result.stdout
    written = [p for p in site.rglob("*") if p.is_file()]
    files = [etree.parse(str(p)) for p in sorted(SOURCE.parent.glob("*.xml"))]  # the documents and the apparatus
    assert len(files) == 7
    ns = {"tei": "http://www.tei-c.org/ns/1.0"}

    def count(path: str) -> int:
        return sum(len(tei.xpath(path, namespaces=ns)) for tei in files)
    assert int(found["pages"]) == sum(p.suffix == ".html" for p in written)
    assert int(found["files"]) == sum(p.suffix != ".html" for p in written)
    assert int(found["anchors"]) == count("//tei:text//@xml:id | //tei:standOff/*/*/@xml:id")
    assert int(found["notes"]) == count("//tei:back//tei:note")
    assert int(found["names"]) == count("//tei:standOff/*/*[self::tei:person or self::tei:org or self::tei:place]")


def test_check_on_the_real_source_passes_and_writes_nothing(tmp_path):
    result = run_build("--check", "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ") and not (tmp_path / "site").exists()


def test_the_site_does_not_depend_on_the_clock_the_zone_the_locale_or_hash_seeds(tmp_path):
    sites = []
    for n, env in enumerate([{"TZ": "UTC", "LC_ALL": "C", "PYTHONHASHSEED": "1", "SOURCE_DATE_EPOCH": "1"},
                             {"TZ": "Asia/Tokyo", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "2"}]):
        site = tmp_path / str(n) / "site"
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT,
                                env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        sites.append(snapshot(site))
    assert sites[0] == sites[1]


def test_source_date_epoch_gives_every_file_its_time(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "93830400")  # 1972-12-22
    build(SOURCE, tmp_path / "site")
    assert {p.stat().st_mtime for p in (tmp_path / "site").rglob("*") if p.is_file()} == {93830400}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "93916800")  # the next day: no file linked keeps the old time
    build(SOURCE, tmp_path / "site")
    assert {p.stat().st_mtime for p in (tmp_path / "site").rglob("*") if p.is_file()} == {93916800}


def test_a_source_date_epoch_that_is_not_a_number_is_named(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(tmp_path / "site")], cwd=ROOT,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr.splitlines()[0]) == (1, (
        "SOURCE_DATE_EPOCH: error: 'yesterday' is not a whole number of seconds since 1970"
        " (unset it, or set it to the time of the last commit: git log -1 --format=%ct)"))
    assert not (tmp_path / "site").exists()


def test_a_file_system_without_hard_links_gets_every_file_written(tmp_path, monkeypatch):
    import errno

    site = tmp_path / "site"
    files = build(SOURCE, site)

    def refused(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", refused)
    build(SOURCE, site)
    assert {path: (site / path).read_bytes() for path in files} == files


def test_the_command_leaves_its_report_and_its_cache_whole_when_it_ends(tmp_path):
    # build.py leaves with os._exit, so that 1,000 documents' objects are not freed one at a time:
    # its report must be printed whole and every cache entry written, as a normal exit would leave
    # them. A copy of the project has a cache of its own (.build-cache beside build.py); its writer
    # thread is slowed, so that entries are still waiting to be written when the build is done, and
    # its output is a buffered pipe.
    project = project_copy(tmp_path / "project")
    cache = project / ".build-cache"
    slowed = (f"import runpy, sys, time; sys.path.insert(0, {str(project)!r}); import edition.cache as c; "
              "write = c.Cache._write_behind; "
              "c.Cache._write_behind = lambda self, *a: (time.sleep(0.05), write(self, *a)); "
              f"sys.argv = ['build.py', '--out', {str(tmp_path / 'site')!r}]; "
              f"runpy.run_path({str(project / 'build.py')!r}, run_name='__main__')")

    def command() -> set[str]:
        result = subprocess.run([sys.executable, "-c", slowed], capture_output=True, text=True, cwd=project,
                                timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(r"Built .+/ in \d+\.\d\d s: .+ Open .+/index\.html\.\n", result.stdout), result.stdout
        return {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()}

    first = command()
    assert len(first) > 7  # each file's validation, the parts of the pages, the search index …
    assert command() == first  # the second build found every entry it needed: the first had written them all


def test_ctrl_c_stops_the_build_with_one_line_leaves_the_site_and_no_process(tmp_path):
    # The command is interrupted while it renders the pages: the validation and Pagefind are then at
    # work beside it. Ctrl-C reaches the whole process group, as in a terminal. The rendering is held
    # in short sleeps: the kernel may give the signal to a helper thread (Pagefind's, the cache's), and
    # then Python raises it in the main thread when its call returns, which one long sleep would
    # delay for a minute (a real rendering runs Python all the time, and hears it at once).
    import signal
    import time

    site = tmp_path / "site"
    assert run_build("--out", str(site)).returncode == 0
    before = snapshot(site), os.readlink(site)
    rendering = tmp_path / "rendering"
    script = (f"import runpy, sys, time, pathlib; sys.path.insert(0, {str(ROOT)!r}); import edition.render as r; "
              "render = r.render_site; "
              f"r.render_site = lambda *a, **k: (pathlib.Path({str(rendering)!r}).touch(), [time.sleep(0.05) for _ in range(1200)], render(*a, **k))[2]; "
              f"sys.argv = ['build.py', '--out', {str(site)!r}]; "
              f"runpy.run_path({str(ROOT / 'build.py')!r}, run_name='__main__')")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        started = time.monotonic()
        while not rendering.exists():
            assert process.poll() is None and time.monotonic() - started < 60, process.communicate()
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert (process.returncode, out, err) == (130, "", "Interrupted; the previous site is unchanged.\n")
    assert (snapshot(site), os.readlink(site)) == before
    for _ in range(100):  # every process of the build has ended
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("a process of the build is still running")


def test_ctrl_c_taken_by_a_helper_thread_stops_the_build_at_once(tmp_path):
    # The kernel gives a signal sent to the process to any of its threads that does not block it. Here
    # Pagefind's thread takes it while the main thread waits for that Pagefind, which would answer
    # only after a minute: the build stops at once all the same, with its one line.
    import signal
    import time

    site = tmp_path / "site"
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    program.chmod(0o755)
    builds, written = builds_dir(site), tmp_path / "written"  # the pages the new build holds while Pagefind works
    script = (f"import pathlib, runpy, signal, sys, threading, time; sys.path.insert(0, {str(ROOT)!r}); import edition.search as s; "
              "files = s.Indexing.files\n"
              "def interrupt():\n"
              "    time.sleep(0.3)\n"
              "    [helper] = [t for t in threading.enumerate() if t.name == 'pagefind']\n"
              "    signal.pthread_kill(helper.ident, signal.SIGINT)\n"
              "def waiting(self):\n"
              f"    pathlib.Path({str(written)!r}).write_text(' '.join(sorted(p.name for p in pathlib.Path({str(builds)!r}).glob('build-*/*.html'))))\n"
              "    threading.Thread(target=interrupt).start()\n"
              "    return files(self)\n"
              "s.Indexing.files = waiting\n"
              f"sys.argv = ['build.py', '--out', {str(site)!r}]\n"
              f"runpy.run_path({str(ROOT / 'build.py')!r}, run_name='__main__')")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, env={**os.environ, "PAGEFIND_BINARY_PATH": str(program)})
    try:
        out, err = process.communicate(timeout=120)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the stand-in for Pagefind, still asleep
    assert (process.returncode, out, err) == (130, "", "Interrupted; the previous site is unchanged.\n")
    assert time.monotonic() - started < 30, "the build heard Ctrl-C only when Pagefind had answered"
    # the pages were written into the new build while Pagefind worked; the half-made build is gone
    assert {"text.html", "diplomatic.html", "names.html"} <= set(written.read_text().split())
    assert list(builds.iterdir()) == []


# The command run as ``build.py`` is, its modules imported first (Python reads a module's text to
# compile it), then every file opened to be read written to ``log`` (by its process and any it
# forks, the moment it is opened); the build's cache in ``cache``.
READS = """
import importlib, os, pathlib, pkgutil, sys
sys.path.insert(0, {root!r})
import build, edition
for module in pkgutil.iter_modules(edition.__path__):
    importlib.import_module("edition." + module.name)
log = os.open({log!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
def heard(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2]
        if (mode is None or not set(str(mode)) & set("wax+")) and not flags & (os.O_WRONLY | os.O_RDWR):
            os.write(log, os.fsencode(os.path.abspath(args[0])) + b"\\n")
sys.addaudithook(heard)
sys.argv = ["build.py", "--out", {out!r}]
build.run.__kwdefaults__["cache"] = pathlib.Path({cache!r})
sys.exit(build.main())
"""


def test_the_command_reads_each_file_of_the_sources_templates_and_code_once(tmp_path):
    """No stage reads a file that an earlier stage read: the keys of what may be reused hash the
    schemas, templates, Markdown texts and code that later stages compile, show or publish; the
    lock is read by the build and by the command. With nothing in the build's cache, and with what
    the first build left there."""
    watched = [ROOT / "source", ROOT / "templates", ROOT / "edition"]
    for run in ("nothing cached", "cached"):
        log = tmp_path / f"{run}.log"
        script = READS.format(log=str(log), out=str(tmp_path / "site"), root=str(ROOT), cache=str(tmp_path / "cache"))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        opened = [Path(line) for line in log.read_text(encoding="utf-8").splitlines()]
        ours = [p for p in opened if any(p.is_relative_to(folder) for folder in watched) and "__pycache__" not in p.parts]
        assert {p.name for p in ours} >= {SOURCE.name, "apparatus.xml", "anchors.lock.json", "base.html"}, run
        twice = sorted({str(p.relative_to(ROOT)) for p in ours if ours.count(p) > 1})
        assert twice == [], f"{run}: read more than once: {twice}"


def test_a_reader_that_stops_reading_the_report_is_no_error(tmp_path):
    """``build.py | head -0``: the report's pipe is closed before it is written. The build is done all
    the same, with its exit code and no traceback; and a failed build still exits 1."""
    for source, code in ((SOURCE, 0), (mutate(tmp_path, "</body>", ""), 1)):
        read, write = os.pipe()
        os.close(read)  # nobody reads the report
        try:
            done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--source", str(source),
                                   "--out", str(tmp_path / "site")], stdout=write, stderr=write,
                                  cwd=ROOT, timeout=120)
        finally:
            os.close(write)
        assert done.returncode == code
    assert (tmp_path / "site" / "index.html").is_file()
    # the same with the report's error stream kept: nothing on it but what the build says
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(tmp_path / "site")],
                              stdout=write, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
