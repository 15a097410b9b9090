"""The live preview: build, serve the site on 127.0.0.1, rebuild on every change, reload the page.

The site on disk is exactly what ``build.py`` writes: the reload script, and the
report of a failed rebuild, are added only to the HTML this server sends. The
server sends the site from memory, as the rebuild hands it over: its pages as soon
as they are made and checked, while the search index of the change is still being
made (the last index is served until then, for a second or so), then the whole
site, before it is written to disk. A failed rebuild leaves the last good site
served, with the problems shown above it and printed in the terminal. Changes are
found by polling modification times (five times a second), which needs nothing
beyond the standard library and sees every editor's way of saving.
"""
from __future__ import annotations

import mimetypes
import os
import re
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from .diagnostics import BuildFailed
from .report import say

HOST = "127.0.0.1"
PREFIX = "/__preview__/"
POLL_SECONDS = 0.2

#: Asks the server every quarter second whether a rebuild happened since this page was sent.
RELOAD_JS = b"""(function () {
  "use strict";
  var shown = document.currentScript.dataset.version;
  function poll() {
    fetch("/__preview__/version", { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (now) { if (now !== shown) { location.reload(); } else { setTimeout(poll, 250); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 250);
}());
"""

PREVIEW_CSS = b""".preview-problems {
  margin: 1rem 0; padding: 0.75rem 1rem; border: 3px solid #b00020;
  background: #fff4f4; color: #1d1d1b; font: 0.9rem/1.4 system-ui, sans-serif;
}
.preview-problems pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 0.85rem/1.4 ui-monospace, monospace; }
"""

_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
_BODY = re.compile(r"<body\b[^>]*>")


@dataclass
class State:
    """What the server shows: the build's version and the problems of the last rebuild."""

    version: str = ""
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self, problems: list[str]) -> None:
        with self.lock:
            self.version = uuid.uuid4().hex  # a restarted server is a new version too
            self.problems = problems

    def read(self) -> tuple[str, list[str]]:
        with self.lock:
            return self.version, list(self.problems)


#: What a rebuild hands the server: the site's files by path, and whether they are all of them
#: (False: the pages, before the search index and manifest.json).
Ready = Callable[[dict[str, bytes], bool], None]


class Preview:
    """A preview of ``site``: ``rebuild(ready)`` builds it, handing the files to ``ready`` as they
    become servable, and returns its summary; ``watched`` are the folders whose changes rebuild it."""

    def __init__(self, rebuild: Callable[[Ready], str], site: Path, watched: list[Path], port: int = 8000,
                 on_code_change: Callable[[], None] | None = None, out=sys.stdout):
        self.rebuild_site = rebuild
        self.site = site
        self.files: dict[str, bytes] | None = None  # the site served from memory (None: from disk)
        self._served = False  # whether the rebuild under way has handed over files yet
        self.watched = watched
        self.on_code_change = on_code_change
        self.out = out
        self.state = State()
        self.server = ThreadingHTTPServer((HOST, port), _handler(self))
        self.server.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def serve(self, files: dict[str, bytes], whole: bool) -> None:
        """Serve the rebuild's files: all of them, or its pages over the last site's files (the
        rest of it follows). The pages reload when the first files of a rebuild are served."""
        with self.state.lock:
            if not whole and self.files is None:  # nothing in memory to complete the pages with yet
                return
            self.files = files if whole else {**self.files, **files}
        if not self._served:
            self._served = True
            self.state.update([])

    def build(self) -> bool:
        """Build once; print and keep the problems, or the summary. True if it succeeded."""
        last_good = self.files
        self._served = False
        try:
            done = self.rebuild_site(self.serve)
        except BuildFailed as failure:
            problems = [str(d) for d in failure.diagnostics]
            self._keep(last_good)
            self.state.update(problems)
            say("\n".join(problems), file=self.out)
            say(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; "
                "the last good site is still served.", file=self.out, flush=True)
            return False
        except Exception as error:  # a bug of the build: keep serving, and say so plainly
            self._keep(last_good)
            say(traceback.format_exc(), file=self.out, end="")
            self.state.update([f"internal error: {type(error).__name__}: {error} (a fault of the build, not of "
                               "your text: the terminal shows where; the last good site is still served)"])
            return False
        if not self._served:  # a rebuild that handed nothing over: its site is on disk
            with self.state.lock:
                self.files = None
            self.state.update([])
        say(done, file=self.out, flush=True)
        return True

    def _keep(self, last_good: dict[str, bytes] | None) -> None:
        """After a failed rebuild: the last good site again, whatever the rebuild served of its own."""
        with self.state.lock:
            self.files = last_good

    def start(self) -> None:
        """Build, then serve and watch in background threads."""
        seen = _stamps(self.watched)  # before the build: a change saved during it is not missed
        self.build()
        # the server looks for a stop as often as the watcher looks for a change: at http.server's
        # default, every half second, a stop (Ctrl-C's too) waited up to that long
        for target, args in ((self.server.serve_forever, (POLL_SECONDS,)), (self._watch, (seen,))):
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _watch(self, seen: dict[Path, tuple[int, int]]) -> None:
        while not self._stop.wait(POLL_SECONDS):
            now = _stamps(self.watched)
            if now == seen:
                continue
            changed = sorted(set(now.items()) ^ set(seen.items()))
            seen = now
            if self.on_code_change and any(path.suffix == ".py" for path, _ in changed):
                self.on_code_change()
                return
            names = sorted({str(path.name) for path, _ in changed})
            say(f"Changed: {', '.join(names)}; rebuilding.", file=self.out, flush=True)
            self.build()

    # --- what the server sends ----------------------------------------------------------

    def respond(self, path: str) -> tuple[HTTPStatus, str, bytes]:
        version, problems = self.state.read()
        if path == PREFIX + "version":
            return HTTPStatus.OK, "text/plain; charset=utf-8", version.encode()
        if path == PREFIX + "reload.js":
            return HTTPStatus.OK, "text/javascript; charset=utf-8", RELOAD_JS
        if path == PREFIX + "preview.css":
            return HTTPStatus.OK, "text/css; charset=utf-8", PREVIEW_CSS
        with self.state.lock:
            files = self.files
        found = self._in_memory(files, path) if files is not None else self._file(path)
        if found is None:
            if problems and files is None and not self.site.exists():  # no good site yet: the problems alone
                page = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head><body></body></html>"
                return HTTPStatus.OK, "text/html; charset=utf-8", self._decorate(page, version, problems)
            return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found in the site.\n"
        name, data = found
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind == "text/html":
            return HTTPStatus.OK, "text/html; charset=utf-8", self._decorate(data.decode("utf-8"), version, problems)
        if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        return HTTPStatus.OK, kind, data

    @staticmethod
    def _in_memory(files: dict[str, bytes], path: str) -> tuple[str, bytes] | None:
        """The served site's file for a URL path (a folder's index.html for the folder), and its name."""
        relative = path.lstrip("/")
        for name in (relative, f"{relative.rstrip('/')}/index.html" if relative.strip("/") else "index.html"):
            if name in files:
                return name, files[name]
        return None

    def _file(self, path: str) -> tuple[str, bytes] | None:
        """The site's file on disk for a URL path, and its name; None outside the site or when missing."""
        if not self.site.exists():
            return None
        root = self.site.resolve()
        relative = path.lstrip("/")
        target = (root / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.name, target.read_bytes()

    def _decorate(self, page: str, version: str, problems: list[str]) -> bytes:
        """The page with the reload script, the problems if any, and a policy that lets the script ask."""
        def allow(m: re.Match) -> str:
            policy = m[2] if "connect-src" in m[2] else f"{m[2]}; connect-src 'self'"
            policy = policy if "script-src" in policy else f"{policy}; script-src 'self'"
            return m[1] + policy + m[3]

        page = _CSP.sub(allow, page, count=1)
        head = Markup('<link rel="stylesheet" href="{}preview.css">\n'
                      '<script src="{}reload.js" data-version="{}"></script>\n').format(PREFIX, PREFIX, version)
        page = page.replace("</head>", str(head) + "</head>", 1)
        if problems:
            report = Markup('<div class="preview-problems" role="alert"><p><strong>The last rebuild failed</strong>'
                            " with {} problem{}; this is the last good site.</p><pre>{}</pre></div>\n").format(
                len(problems), "" if len(problems) == 1 else "s", "\n".join(problems))
            page = _BODY.sub(lambda m: m[0] + "\n" + str(report), page, count=1)
        return page.encode("utf-8")


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            status, kind, body = preview.respond(unquote(urlsplit(self.path).path))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # requests are not news to the editor
            pass

    return Handler


def _stamps(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    """Modification time and size of every file an editor might change."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(folder).parts):
                continue
            if path.name.endswith("~") or not path.is_file():
                continue
            try:
                stat = path.stat()
            except OSError:  # removed while we looked
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def run_preview(rebuild: Callable[[Ready], str], site: Path, watched: list[Path], port: int) -> int:
    """The preview from the command line: until Ctrl-C; the exit code."""
    try:
        preview = Preview(rebuild, site, watched, port, on_code_change=restart)
    except OSError as e:
        say(f"error: cannot serve on {HOST}:{port}: {e.strerror} (choose another port with --port N)", file=sys.stderr)
        return 1
    try:
        preview.start()
        say(f"Serving {site} at {preview.url} (Ctrl-C to stop); watching "
            + ", ".join(str(p) for p in watched), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        preview.stop()
    return 0


def restart() -> None:
    """The build's own code changed: run the command again so the new code is used."""
    say("The build's code changed; restarting the preview.", flush=True)
    os.execv(sys.executable, [sys.executable, *sys.argv])
