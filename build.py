#!/usr/bin/env python3
"""Build the edition: load -> validate -> model (quotations checked) -> resolve -> render (and the
search index) -> keep anchors -> write, over every document in source/ and the apparatus they share.

    python build.py                 validate, build and write site/
    python build.py --check         validate and render everything, write nothing
    python build.py --serve         build, serve on 127.0.0.1, rebuild and reload on every change
    python build.py --lock-anchors  also add the site's new anchors to source/anchors.lock.json
    python build.py --base-url URL  use URL as the public address instead of source/edition.toml's

Problems are printed as ``path:line:col: error: what (hint)``; the exit code is
1 when the sources have problems, 2 for a wrong command line and 130 when Ctrl-C stopped the build.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator

from edition.anchors import keep_anchors, lock_new_anchors, read_lock, unlocked
from edition.cache import Cache, flush
from edition.config import BASE_URL_HINT, base_url_problem, read_base_url
from edition.diagnostics import BuildFailed
from edition.kept import Kept
from edition.load import Source, load_tei
from edition.manifest import MANIFEST, manifest
from edition.model import build_model
from edition.quotations import check_quotations
from edition.render import render_site
from edition.report import say, silenced
from edition.resolve import Links, resolve
from edition.dependencies import edition_key
from edition.search import Indexing, start_index
from edition.site_files import SiteFiles
from edition import file_facts
from edition.summary import summary
from edition.parallel import available
from edition.validate import start_validation
from edition.write import Publication, digest_of, live_build

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "source" / "frus1969-76ve13-d171.xml"
APPARATUS = ROOT / "source" / "apparatus.xml"
SCHEMA = ROOT / "source" / "schema"
TEMPLATES = ROOT / "templates"
SITE = ROOT / "site"
SETTINGS = ROOT / "source" / "edition.toml"
LOCK = ROOT / "source" / "anchors.lock.json"
#: What earlier builds worked out (each file's validation), by content; not in git.
CACHE = ROOT / ".build-cache"
#: From this many documents on, the build shares its work among the machine's cores.
PARALLEL_FROM = 24


def build(source: Path, site: Path | None, templates: Path = TEMPLATES, *,
          base_url: str | None = None, lock: Path = LOCK, locking: bool = False,
          workers: int | None = None, cache: Path | None = CACHE) -> dict[str, bytes]:
    """Run every stage; write the site only if ``site`` is given and all succeeded."""
    return run(source, site, templates, base_url=base_url, lock=lock, locking=locking, workers=workers,
               cache=cache)[1].read()


def run(source: Path, site: Path | None, templates: Path = TEMPLATES, *,
        base_url: str | None = None, lock: Path = LOCK, locking: bool = False,
        workers: int | None = None, cache: Path | None = CACHE, kept: Kept | None = None,
        ready: Callable[[SiteFiles, bool], None] | None = None) -> tuple[Links, SiteFiles]:
    """``build``, also returning the resolved edition that the summary counts; the files as a
    ``SiteFiles``, whose parts taken from the cache are read only when asked for (``build``
    reads them all).

    ``base_url`` None takes the one of source/edition.toml; ``locking`` lets a
    missing lock pass, for ``--lock-anchors`` to create it; ``workers`` None lets
    an edition of many documents use every core; ``cache`` keeps what did not change
    between builds (None: nothing kept); ``kept``, what a process that builds again keeps in
    memory (the preview's). The output is the same bytes either way. ``ready(files, whole)`` is
    handed the site before it is written (the preview serves it from there): when its pages are
    made and checked, if the search index is still being made (``whole`` False: the files but
    the index and manifest.json), and then whole.
    """
    # a process that builds again holds what it keeps: the collector waits until the build ends
    with collected_after() if kept is not None else nullcontext():
        # files an earlier build worked out the plain facts of are parsed only when needed (``file_facts``)
        tei, others, apparatus = load_edition(source, kept, file_facts.known(Cache(cache)))
        if workers is None:
            workers = available() if 1 + len(others) >= PARALLEL_FROM else 1
        # A build in one process leaves its cache's writes to a thread (none may run when workers fork).
        store = Cache(cache, background=workers == 1, memory=kept.entries if kept is not None else None)
        # Validation runs beside the model and the rendering, on the other cores; its problems
        # still come first: a failure below on an invalid file is reported as the validation's.
        validated = start_validation(
            [(s, SCHEMA / "edition.rng") for s in [tei, *others]] + [(apparatus, SCHEMA / "apparatus.rng")],
            SCHEMA / "edition.sch", workers, store)
        index: Indexing | None = None
        publication: Publication | None = None
        try:
            edition = build_model(tei, others, apparatus)
            links = resolve(edition, read_base_url(SETTINGS) if base_url is None else base_url)
            base = edition_key(links, templates)  # what every page and index depends on
            if validated.failed():  # a file is invalid: its problems now, before any page or index is made
                validated()
            # Pagefind indexes the passages meanwhile, from now on: from threads of this process, or, when
            # forked workers make the pages (no thread may run when they fork), from forked processes
            index = start_index(links, store, base, forked=workers > 1)
            check_quotations(edition, store)
            if validated.failed():  # the validation may have ended meanwhile
                validated()
            # a plain build reads a stored part's files only to write them (or alias a page of them)
            files, found, digests = render_site(links, templates, workers, store, kept.parts if kept is not None else None,
                                                defer=kept is None and ready is None)
            validated()
            # every file's plain facts are worked out (the checks across files' came back with the
            # validation): kept for the next build, written behind (no worker forks from now on)
            file_facts.keep(Cache(cache, background=True), edition.sources)
            # Every anchor ever published still lands: on its passage, or where the lock says it moved.
            rendered = files
            files, anchors = keep_anchors(files, read_lock(lock, missing_ok=locking), found)
            # a page given an alias is new bytes: its digest, made with its part, is not its own
            digests = {path: digest for path, digest in digests.items() if files.same(rendered, path)}
            # each file's SHA-256 for the manifest and the writing: the parts' and indexes' come with them
            for path in files:
                if path not in digests:
                    digests[path] = kept.digest(path, files[path]) if kept is not None else digest_of(files[path])
            if not index.done():  # while Pagefind finishes, the pages, checked, are served and written
                if ready is not None:
                    ready(files, False)
                if site is not None:  # into the new build, with the indexes made already
                    publication = Publication(site)
                    publication.add(files, digests)
                    publication.add(*index.finished())
            indexes, hashed = index.files()  # the search index, under pagefind/
            files.update(indexes)
            digests.update(hashed)
            files[MANIFEST] = manifest(files, anchors, edition, links.base_url, digests,
                                       kept.lines if kept is not None else None)
            if kept is not None:
                kept.written(files)
            if ready is not None:
                ready(files, True)
            if site is not None:
                publication = publication or Publication(site)
                publication.add(files, digests)
                publication.finish()
        except BaseException as stopped:
            if publication is not None:
                publication.abandon()  # the live site stays as it was
            if index is not None:
                index.close()  # the processes still making indexes, if any, are not waited for
            if isinstance(stopped, KeyboardInterrupt):  # Ctrl-C: no process of the build is left either
                validated.close()
            else:
                validated()  # raises the validation's problems, if there are any
            raise
        return links, files


@contextmanager
def collected_after() -> Iterator[None]:
    """Python's cyclic collector off until the block ends, then one collection. A process that builds
    again keeps every file it parsed and every part it made (half a gigabyte at 1,000 documents): the
    collector would walk them two or three times a build, 0.1 s each, while the reader waits for
    the page; once, after the site is served, it frees the build's cycles all the same. A collector
    that was off stays off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
            gc.collect()


def load_edition(source: Path = SOURCE, kept: Kept | None = None,
                 known: Callable[[str], dict | None] | None = None) -> tuple[Source, list[Source], Source]:
    """Every file of the edition, read: the central document, the others, the apparatus
    (those whose text ``kept`` holds already, not parsed again; those ``known`` holds the
    facts of, parsed only when a stage needs more of them)."""
    folder = edition_folder(source)
    load = (lambda path: kept.load(path, known)) if kept is not None else lambda path: load_tei(path, known=known)
    tei, others, apparatus = load(source), [load(path) for path in other_documents(source)], load(folder / APPARATUS.name)
    if kept is not None:
        kept.loaded([tei, *others, apparatus])
    return tei, others, apparatus


def edition_folder(central: Path) -> Path:
    """Where the other documents and the apparatus are: beside the central document (``--source``
    may name a copy of the whole source folder), or in source/ when a lone copy of it is built."""
    return central.parent if (central.parent / APPARATUS.name).exists() else APPARATUS.parent


def other_documents(central: Path) -> list[Path]:
    """The edition's documents besides the central one: every ``*-d<number>.xml`` of its folder."""
    return sorted((p for p in edition_folder(central).glob("*-d[0-9]*.xml") if p.name != central.name), key=str)


def base_url_argument(value: str) -> str:
    problem = base_url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} ({BASE_URL_HINT})")
    return value


def main(argv: list[str] | None = None, *, ending: bool = False) -> int:
    """The command line; ``ending``: the process ends after this one build (``build.py`` run as a program)."""
    parser = argparse.ArgumentParser(description="Validate the TEI and build the edition's site.")
    parser.add_argument("--check", action="store_true", help="validate and render, but write nothing")
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="the central document's TEI file; the other documents and apparatus.xml are read "
                             "from its folder, or from source/ if it has none (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=SITE, help="the site directory (default: %(default)s)")
    parser.add_argument("--serve", action="store_true", help="preview: serve the site, rebuild and reload on changes")
    parser.add_argument("--port", type=int, help="the preview's port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--base-url", type=base_url_argument, metavar="URL",
                        help="the public address of the site, https://…/ (default: base-url in source/edition.toml)")
    parser.add_argument("--lock-anchors", action="store_true",
                        help="add the site's new anchors to source/anchors.lock.json (it never drops one)")
    args = parser.parse_args(argv)
    if args.port is not None and not args.serve:
        parser.error("--port needs --serve")
    if args.serve and (args.check or args.lock_anchors):
        parser.error("--serve excludes --check and --lock-anchors")
    if args.serve:
        return preview(args.source, args.out, 8000 if args.port is None else args.port, args.base_url)
    if ending:  # what the build makes lives until the process ends, so the cyclic collector, which
        gc.disable()  # would walk it again and again (0.4 s of a 1,000-document rebuild), is off
    started = time.perf_counter()
    live = live_build(args.out)
    try:
        links, files = run(args.source, None if args.check else args.out,
                           base_url=args.base_url, locking=args.lock_anchors)
        lock = read_lock(LOCK, missing_ok=args.lock_anchors)
        added = lock_new_anchors(files, lock) if args.lock_anchors else []
    except BuildFailed as failure:
        for diagnostic in failure.diagnostics:
            say(diagnostic, file=sys.stderr)
        count = len(failure.diagnostics)
        say(f"{count} problem{'s' if count != 1 else ''} found; "
            + ("nothing written." if args.check else "the previous site is unchanged."), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.check or live_build(args.out) == live:
            say("Interrupted; " + ("nothing written." if args.check else "the previous site is unchanged."),
                file=sys.stderr)
        else:  # after the switch to the new site, as the old builds were cleared away
            say(f"Interrupted; {args.out}/ is the new site, whole.", file=sys.stderr)
        return 130  # as a shell reports a program that Ctrl-C stopped
    seconds = time.perf_counter() - started
    if args.check:
        say(f"OK: {args.source} is valid ({seconds:.2f} s); it would give {summary(links, files)}. Nothing written.")
    else:
        say(f"Built {args.out}/ in {seconds:.2f} s: {summary(links, files)}. Open {args.out}/index.html.")
    if args.lock_anchors:
        say(f"Locked {len(added)} new anchor{'s' if len(added) != 1 else ''} in {LOCK.relative_to(ROOT)}"
            + (": " + ", ".join(added) if added else "."))
    else:
        new = unlocked(files, lock)
        if new:
            say(f"{len(new)} new anchor{'s are' if len(new) != 1 else ' is'} not in the lock yet; "
                f"run build.py --lock-anchors when they are final.")
    return 0


def preview(source: Path, site: Path, port: int, base_url: str | None = None) -> int:
    """Serve ``site`` and rebuild it whenever the TEI, a template or the build's code changes."""
    from edition.serve import Ready, run_preview
    from edition.validate import forget_schemas

    kept = Kept()  # what one build leaves the next: the files it parsed, the parts it made

    def rebuild(ready: Ready) -> str:
        started = time.perf_counter()
        forget_schemas()  # a schema may have changed since the last build
        # One process: the preview's server runs in threads, and forking beside threads is unsafe;
        # after the first build, what is kept and the cache leave little to do.
        links, files = run(source, site, base_url=base_url, workers=1, kept=kept, ready=ready)
        return f"Built {site}/ in {time.perf_counter() - started:.2f} s: {summary(links, files)}."

    return run_preview(rebuild, site, [source.parent, TEMPLATES, ROOT / "edition"], port)


if __name__ == "__main__":
    code = main(ending=True)
    # Everything is written (the cache's entries once flush returns): the process leaves without
    # freeing what the build made one object at a time, which takes 0.3 s at 1,000 documents.
    flush()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the report's reader left (build.py | head): the build is done all the same
            silenced(stream)
    os._exit(code)
