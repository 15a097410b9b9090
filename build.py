#!/usr/bin/env python3
"""Build the edition: load -> validate -> model -> resolve -> render -> keep anchors -> write.

    python build.py                 validate, build and write site/
    python build.py --check         validate and render everything, write nothing
    python build.py --lock-anchors  also add the site's new anchors to source/anchors.lock.json
    python build.py --base-url URL  use URL as the public address instead of source/edition.toml's

Problems are printed as ``path:line:col: error: what (hint)``; the exit code is
1 when the sources have problems and 2 for a wrong command line.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from edition.anchors import keep_anchors, lock_new_anchors, read_lock, unlocked
from edition.config import BASE_URL_HINT, base_url_problem, read_base_url
from edition.diagnostics import BuildFailed
from edition.load import load_tei
from edition.manifest import MANIFEST, manifest
from edition.model import build_model
from edition.render import render_site
from edition.resolve import resolve
from edition.validate import validate
from edition.write import publish

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "source" / "frus1969-76ve13-d171.xml"
SCHEMA = ROOT / "source" / "schema"
TEMPLATES = ROOT / "templates"
SITE = ROOT / "site"
SETTINGS = ROOT / "source" / "edition.toml"
LOCK = ROOT / "source" / "anchors.lock.json"


def build(source: Path, site: Path | None, templates: Path = TEMPLATES, *,
          base_url: str | None = None, lock: Path = LOCK, locking: bool = False) -> dict[str, bytes]:
    """Run every stage; write the site only if ``site`` is given and all succeeded.

    ``base_url`` None takes the one of source/edition.toml; ``locking`` lets a
    missing lock pass, for ``--lock-anchors`` to create it.
    """
    tei = load_tei(source)
    validate(tei, SCHEMA / "edition.rng", SCHEMA / "edition.sch")
    edition = build_model(tei)
    links = resolve(edition, read_base_url(SETTINGS) if base_url is None else base_url)
    files = render_site(links, templates)
    # Every anchor ever published still lands: on its passage, or where the lock says it moved.
    files = keep_anchors(files, read_lock(lock, missing_ok=locking))
    files[MANIFEST] = manifest(files, edition, links.base_url)
    if site is not None:
        publish(files, site)
    return files


def base_url_argument(value: str) -> str:
    problem = base_url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} ({BASE_URL_HINT})")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the TEI and build the edition's site.")
    parser.add_argument("--check", action="store_true", help="validate and render, but write nothing")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the TEI file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=SITE, help="the site directory (default: %(default)s)")
    parser.add_argument("--base-url", type=base_url_argument, metavar="URL",
                        help="the public address of the site, https://…/ (default: base-url in source/edition.toml)")
    parser.add_argument("--lock-anchors", action="store_true",
                        help="add the site's new anchors to source/anchors.lock.json (it never drops one)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        files = build(args.source, None if args.check else args.out,
                      base_url=args.base_url, locking=args.lock_anchors)
        lock = read_lock(LOCK, missing_ok=args.lock_anchors)
        added = lock_new_anchors(files, lock) if args.lock_anchors else []
    except BuildFailed as failure:
        for diagnostic in failure.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = len(failure.diagnostics)
        print(f"{count} problem{'s' if count != 1 else ''} found; "
              + ("nothing written." if args.check else "the previous site is unchanged."), file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    if args.check:
        print(f"OK: {args.source} is valid; {len(files)} files would be written ({seconds:.2f} s).")
    else:
        print(f"Built {len(files)} files into {args.out}/ in {seconds:.2f} s. Open {args.out}/index.html.")
    if args.lock_anchors:
        print(f"Locked {len(added)} new anchor{'s' if len(added) != 1 else ''} in {LOCK.relative_to(ROOT)}"
              + (": " + ", ".join(added) if added else "."))
    else:
        new = unlocked(files, lock)
        if new:
            print(f"{len(new)} new anchor{'s are' if len(new) != 1 else ' is'} not in the lock yet; "
                  f"run build.py --lock-anchors when they are final.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
