"""What the browser and checker tests share: the site's pages, the tools, a local
server and Chromium for the whole session (its headless shell, and the full browser for what only
it does: ``BROWSERS``).

Loaded by ``pytest_plugins`` in conftest.py. Every check runs over every HTML
page the build writes (``site_pages``), so a page added to ``PAGES`` is checked
without touching a test. A missing tool skips its tests with a message saying how
to install it, except in CI (``CI`` set), where it fails them: CI must never pass
by skipping the browser.
"""
from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, SOURCE

SETUP = "bash tests/setup.sh"
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"

LOCAL_HOST = "127.0.0.1"
#: A proxy nobody listens at: every request to anywhere but 127.0.0.1 (which Chromium never sends
#: through a proxy) fails there before it leaves the machine, whatever tab, test or context made it.
NOWHERE = f"http://{LOCAL_HOST}:9"
# Headless Chromium as root, with nothing of its own reaching the network, nor of the pages'.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    f"--proxy-server={NOWHERE}",
]


def pytest_addoption(parser):
    parser.addoption("--screenshots", action="store_true",
                     help="also write a screenshot of every page at every width and in every mode, and a PDF "
                          "of each, to test-artifacts/, for a person to look at")


@pytest.fixture(scope="session")
def screenshots(request) -> bool:
    """Whether this run writes screenshots and PDFs (``--screenshots``): they are for a person to look
    at, and take longer than everything the layout tests assert."""
    return request.config.getoption("screenshots")


# --- the pages -------------------------------------------------------------------------

@functools.cache
def site_files() -> dict[str, bytes]:
    """The site as the build renders it (in memory), to parametrize tests by page."""
    from build import build

    return build(SOURCE, None)


def site_pages() -> list[str]:
    return sorted(path for path in site_files() if path.endswith(".html"))


def pages_having(xpath: str) -> list[str]:
    """The pages on which ``xpath`` finds something."""
    from lxml import html

    return [path for path in site_pages() if html.fromstring(site_files()[path]).xpath(xpath)]


#: The links of a page's navigation, edition-level and document-level.
NAVIGATION = "//nav//a"


@functools.cache
def first_links(xpath: str) -> dict[str, tuple[str, str]]:
    """Every address the links ``xpath`` finds lead to, in the site, with the first page that has
    such a link and its ``href`` there."""
    from urllib.parse import urljoin

    from lxml import html

    first: dict[str, tuple[str, str]] = {}
    for path in site_pages():
        for href in html.fromstring(site_files()[path]).xpath(xpath + "/@href"):
            first.setdefault(urljoin(path, href), (path, href))
    return first


#: For each link a selector finds: its ``href``, the address it resolves to, and whether a click on
#: it, or the Enter key pressed on it, is left to the browser. Each is a real event. A listener of the
#: probe's own on the window, the last to hear the event, notes whether a script of the page cancelled
#: it, and then cancels it itself, so that the page stays where it is; another, the first to hear it,
#: makes stopping the event on its way (which the last would never hear) cancel it too, and notes that.
LINK_PROBE = """links => links.map(a => {
    const left = event => {
        let cancelled = null, stopped = false;
        const watch = e => {
            for (const name of ['stopPropagation', 'stopImmediatePropagation']) {
                const stop = e[name].bind(e);
                e[name] = () => { stopped = true; e.preventDefault(); stop(); };
            }
        };
        const probe = e => { cancelled = e.defaultPrevented; e.preventDefault(); };
        window.addEventListener(event.type, watch, true);
        window.addEventListener(event.type, probe);
        a.dispatchEvent(event);
        window.removeEventListener(event.type, watch, true);
        window.removeEventListener(event.type, probe);
        return !stopped && cancelled === false;
    };
    const click = left(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
    const enter = left(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true}));
    return {href: a.getAttribute('href'), url: a.href, taken: !(click && enter)};
})"""


def clickable_and_left_to_the_browser(page, selector: str) -> list[dict]:
    """The links ``selector`` finds on the page, each probed (``LINK_PROBE``) without leaving the
    page; the first link to each address also checked to receive a click where a reader clicks it
    (shown, steady, enabled, with nothing over it: Playwright's checks before a click)."""
    probed = page.eval_on_selector_all(selector, LINK_PROBE)
    links = page.locator(selector)
    for i in sorted({link["href"]: i for i, link in reversed(list(enumerate(probed)))}.values()):
        links.nth(i).click(trial=True)
    return probed


# --- the tools -------------------------------------------------------------------------

def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def missing(what: str) -> None:
    """A tool is missing: fail in CI, skip elsewhere, saying how to get it."""
    message = f"{what} is missing; install it with `{SETUP}`"
    if in_ci():
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


#: The browsers, by what the tests need of them: the headless shell (Debian package
#: chromium-headless-shell) is Chromium's engine without the browser around it, as Playwright runs
#: it for headless tests, and loads a page for about a third of the processor time of the full
#: browser; but it never asks for a page's icon, so what a reader's browser loads with a page (the
#: icon, the page's weight, the errors of its load) is seen in the full browser (Debian chromium).
BROWSERS = {"shell": ("chromium-headless-shell", "Chromium's headless shell (Debian package chromium-headless-shell)"),
            "full": ("chromium", "Chromium (Debian package chromium)")}


def chromium_path(kind: str) -> str | None:
    return shutil.which(BROWSERS[kind][0])


def java_jar(jar: Path | str, what: str) -> list[str]:
    """The command that runs ``jar`` (a checker: ``what``) on the machine's Java. A check is a short
    run: compiled by C1 alone, the Nu checker takes half the processor time (3.0 s where 6.4 s, over
    the site's pages) and Jing two thirds, with the same messages; so compiled, the Nu checker's deep
    recursion overflows Java's default stack (as it then says), hence a larger one."""
    java = shutil.which("java")
    if java is None:
        missing(f"Java (for {what})")
    return [java, "-Xss8m", "-XX:TieredStopAtLevel=1", "-jar", str(jar)]


@pytest.fixture(scope="session")
def java_vnu() -> list[str]:
    """The command that runs the Nu HTML Checker."""
    command = java_jar(VNU_JAR, "the Nu HTML Checker")
    if not VNU_JAR.is_file():
        missing(f"the Nu HTML Checker ({VNU_JAR.relative_to(ROOT)}, npm vnu-jar)")
    return command


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        missing(f"axe-core ({AXE_JS.relative_to(ROOT)}, npm axe-core)")
    return AXE_JS.read_text(encoding="utf-8")


# --- a local server --------------------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


class QuietServer(ThreadingHTTPServer):
    """A local server that says nothing when a tab moves on before a file is sent (the tab closes
    its connection: no fault of the site); any other error of a request is printed as before."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def serve():
    """Serve a directory on 127.0.0.1 at a free port; returns its base URL."""
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = QuietServer((LOCAL_HOST, 0), handler)
        # a stop is seen within 0.05 s, not the default 0.5 s (each server stops at the session's end)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://{LOCAL_HOST}:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def served(site, serve) -> str:
    """The base URL of the test site served on 127.0.0.1."""
    return serve(site)


@pytest.fixture(scope="session")
def served_twice(site, serve, served) -> tuple[str, str]:
    """The test site at two addresses (two ports of 127.0.0.1): a tab that shows a page at the one
    opens a link to it at the other as a fresh load, as a reader's link does, not as a jump within
    the page, and without a blank page loaded between the two."""
    return served, serve(site)


# --- the browsers ----------------------------------------------------------------------

class _Browsers:
    """The worker's browsers (``BROWSERS``), each started when a test first asks for it."""

    def __init__(self, playwright):
        self._playwright = playwright
        self._started: dict[str, object] = {}

    def __getitem__(self, kind: str):
        if kind not in self._started:
            executable = chromium_path(kind)
            if executable is None:
                missing(BROWSERS[kind][1])
            self._started[kind] = self._playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        return self._started[kind]

    def close(self):
        for started in self._started.values():
            started.close()


@pytest.fixture(scope="session")
def browsers():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright (pip package playwright)")
    with sync_playwright() as playwright:
        started = _Browsers(playwright)
        yield started
        started.close()


@pytest.fixture(scope="session")
def browser(browsers):
    """The headless shell, for tests that make contexts of their own."""
    return browsers["shell"]


@dataclass
class Visit:
    """A browser tab and what it saw: errors (console errors, uncaught exceptions, failed requests
    and error responses from 127.0.0.1), and requests that left 127.0.0.1."""
    page: object
    asks_for_icons: bool = True  # the full browser asks for a page's icon once it has loaded; the shell never
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    responses: list[object] = field(default_factory=list)
    expect_errors: bool = False
    pending: set = field(default_factory=set)  # requests asked and neither answered nor failed yet
    failed: list[str] = field(default_factory=list)  # the addresses of requests that failed
    listening: list = field(default_factory=list)  # (event, handler): what open_tab hears of the tab
    done: bool = False  # the test is done with the tab (``_Contexts.done_with``)

    def settle(self, seconds: float = 15.0) -> None:
        """Wait until the page has brought in all it asks for: its load event, then, in the full
        browser, the answer to each icon it declares (asked for once the page has loaded), and no
        request still open. Playwright's "networkidle" waits instead for half a second without a
        request, each time; this waits for the end of what the page asks, which is known."""
        self.page.wait_for_load_state("load")
        icons = (self.page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
                 if self.asks_for_icons else [])
        deadline = time.monotonic() + seconds
        while (self.pending or not set(icons) <= {r.url for r in self.responses} | set(self.failed) | set(self.outside)):
            assert time.monotonic() < deadline, f"{self.page.url} still loading after {seconds} s: {sorted(r.url for r in self.pending)}"
            self.page.wait_for_timeout(10)  # the browser's events are heard while Playwright waits


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "about", "blob") or parts.hostname == LOCAL_HOST


#: The size of a new tab's window, Playwright's default for a context that sets none (``_Contexts``).
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}
#: What a tab can be given of its own; every other option (scripts off, the pages' policy bypassed)
#: is its context's, and ``full_browser`` and ``fresh`` choose the browser and the context.
TAB_OPTIONS = ("viewport", "color_scheme")


class _Contexts:
    """The browser's contexts, one for each set of context options, shared by the tests of a worker:
    a context of its own for every tab would cost a new renderer process each time. Each test has
    tabs of its own while it runs; a tab it is done with is made new again for the next
    (``done_with``). Every request to anywhere but 127.0.0.1 is recorded for the tab that made it,
    and fails at the proxy of nowhere (``NOWHERE``). A context whose tabs must load everything
    afresh (``fresh``: to see and weigh all that a page brings in) routes every request, which
    turns the HTTP cache off and stops the request to elsewhere before the proxy; the others keep
    what a reader's browser keeps (a stylesheet loaded once), and load a page in about two thirds of
    the time."""

    def __init__(self, browsers):
        self._browsers = browsers
        self._made: dict[tuple, object] = {}
        self._idle: dict[tuple, list] = {}      # tabs a test is done with, made new again, by context
        self.visits: dict[object, Visit] = {}   # by tab
        self.unclaimed: list[str] = []          # stopped requests of a tab no test opened (a pop-up)

    def tab(self, kind: str, fresh: bool, options: dict):
        key = (kind, fresh, *sorted(options.items()))
        if key not in self._made:
            context = self._browsers[kind].new_context(service_workers="block", **options)
            context.on("request", self._record)
            if fresh:
                context.route("**/*", self._fresh)
            self._made[key] = context
            self._idle[key] = []
        idle = self._idle[key]
        return idle.pop() if idle else self._made[key].new_page()

    def done_with(self, visit: Visit) -> None:
        """A test is done with the tab of ``visit``: it hears no more of it, and the tab is made
        what a new tab of its context is, for the next test to take, as a new tab costs about 0.1 s
        of processor time (or closed, if it cannot be). A blank page, the window's default size and
        colours, the media of a screen, and the pointer outside the window, where a new tab has it
        nowhere: nothing of a test's page is shown, hovered or emulated in the next test's."""
        if visit.done:
            return
        visit.done = True
        page = visit.page
        for event, handler in visit.listening:
            page.remove_listener(event, handler)
        self.visits.pop(page, None)
        key = next((key for key, context in self._made.items() if context == page.context), None)
        if page.is_closed() or key is None:
            return
        try:
            page.goto("about:blank", timeout=5000)
            page.mouse.move(-1, -1)
            page.set_viewport_size(DEFAULT_VIEWPORT)
            page.emulate_media(media="null", color_scheme="light")
        except Exception:  # noqa: BLE001 - a tab that will not be reset is closed, as before
            page.close()
            return
        self._idle[key].append(page)

    def _record(self, request):
        if is_local(request.url):
            return
        try:
            visit = self.visits.get(request.frame.page)
        except Exception:  # noqa: BLE001 - a request of no frame, or of a tab closed meanwhile
            visit = None
        (visit.outside if visit is not None else self.unclaimed).append(request.url)

    @staticmethod
    def _fresh(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def close(self):
        for context in self._made.values():
            context.close()


@pytest.fixture(scope="session")
def contexts(browsers):
    shared = _Contexts(browsers)
    yield shared
    shared.close()


@pytest.fixture
def open_tab(contexts):
    """A tab of the test's own, new or made new again (``_Contexts.done_with``), in the headless
    shell, or in the full browser with ``full_browser=True`` (for all that a page's load brings in:
    the shell never asks for its icon). With ``fresh=True`` (always in the full browser) the tab
    takes nothing from the HTTP cache, for a test that sees or weighs all that a page brings in.
    Requests to anywhere but 127.0.0.1 are recorded and stopped before they leave the machine. Any
    console error or failed request on any page a test opens fails that test when it ends (in the
    full browser, the site's icon included), unless the tab was opened with ``expect_errors=True``.
    The tab's width and colours are its own; its other options choose the context it opens in."""
    visits = []

    def open_(expect_errors: bool = False, full_browser: bool = False, fresh: bool = False, **options) -> Visit:
        own = {name: options.pop(name) for name in TAB_OPTIONS if name in options}
        page = contexts.tab("full" if full_browser else "shell", fresh or full_browser, options)
        if "viewport" in own:
            page.set_viewport_size(own["viewport"])
        if "color_scheme" in own:
            page.emulate_media(color_scheme=own["color_scheme"])
        visit = Visit(page, asks_for_icons=full_browser, expect_errors=expect_errors)
        visits.append(visit)
        contexts.visits[page] = visit

        def on(event: str, handler) -> None:
            page.on(event, handler)
            visit.listening.append((event, handler))

        def response(r):
            visit.responses.append(r)
            if r.status >= 400 and is_local(r.url):
                visit.errors.append(f"HTTP {r.status}: {r.url}")

        on("console", lambda m: visit.errors.append(f"console {m.type}: {m.text} ({m.location.get('url', '')})")
           if m.type == "error" else None)
        on("pageerror", lambda e: visit.errors.append(f"uncaught: {e}"))
        on("response", response)
        on("request", lambda r: visit.pending.add(r))
        on("requestfinished", lambda r: visit.pending.discard(r))

        def failed(r):
            visit.pending.discard(r)
            visit.failed.append(r.url)
            # A request the browser itself cancels (ERR_ABORTED: the tab moved on to another page
            # before, say, the icon arrived) is no failure of the site; every other failure is.
            if is_local(r.url) and r.failure != "net::ERR_ABORTED":
                visit.errors.append(f"failed: {r.url} {r.failure}")

        on("requestfailed", failed)
        return visit

    yield open_
    seen = [f"{v.page.url}: {error}" for v in visits if not v.expect_errors for error in v.errors]
    for visit in visits:
        contexts.done_with(visit)
    unclaimed, contexts.unclaimed[:] = list(contexts.unclaimed), []
    if unclaimed:
        seen.append(f"requests to elsewhere from a tab no test opened, stopped: {unclaimed}")
    if seen:
        pytest.fail("errors in the browser:\n" + "\n".join(seen), pytrace=False)


#: What a page may load, with all it brings in: 100 KB, uncompressed.
LIMIT_BYTES = 100_000


def weight(visit: Visit, url: str) -> tuple[dict[str, int], list[str]]:
    """The bytes of every response the load of ``url`` brought in (in the full browser, its icon
    too; settled), and the addresses it asked of other origins."""
    origin = urlsplit(url).netloc
    sizes = {r.url: len(r.body()) for r in visit.responses if r.ok}
    return sizes, visit.outside + [u for u in sizes if urlsplit(u).netloc != origin]


def in_viewport(page, element_id: str) -> bool:
    """Whether the element with this id is scrolled into the window, at least in part."""
    return page.evaluate(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }""", element_id)


def artifacts(*parts: str) -> Path:
    """A folder under the git-ignored test-artifacts/, for a person to look at."""
    folder = ARTIFACTS.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
