"""What the stages work out from one file alone, as plain data, kept between builds.

A plain rebuild after one change would otherwise parse every file of the edition again and work
out again, from each, its header's facts, its ids and pointers, its notes and quotations, though
only one file changed. Each file's plain facts (``Source.once(…, plain=True)``) are kept in the
build's cache under a key of its text and of the build's code, so they never go stale: another
text or another version of a module asks under another key. A file whose facts are kept is not
parsed at all unless a stage needs more of it than they hold (its pages or index are made again,
or a problem is to be located in it), and then it is parsed as it was the first time.
"""
from __future__ import annotations

import functools
import pickle
from pathlib import Path
from typing import Callable

from .cache import Cache, key
from .load import Source, read_once

_CODE = Path(__file__).resolve().parent


def known(store: Cache) -> Callable[[str], dict | None] | None:
    """What ``load_tei`` asks of a file's text (by its SHA-256): its facts kept by an earlier build, or None."""
    if store.folder is None:
        return None

    def facts(digest: str) -> dict | None:
        data = store.get(_key(digest))
        if data is None:
            return None
        try:
            found = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a damaged entry: the file is parsed and its facts worked out again
            return None
        return found if isinstance(found, dict) else None
    return facts


def keep(store: Cache, sources: list[Source]) -> None:
    """Keep the plain facts of each file that this build worked out anything new of."""
    for source in sources:
        if source.made:
            facts = {name: source.memo[name] for name in source.plain}
            store.put(_key(source.digest), pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
            source.made.clear()


def _key(digest: str) -> str:
    return key("summary", _code(), digest)


@functools.lru_cache(maxsize=1)
def _code() -> str:
    """Every module of the build (read once a process: the preview restarts when one is saved)."""
    return key(*(f"{p.name}\n".encode() + read_once(p) for p in sorted(_CODE.glob("*.py"))))
