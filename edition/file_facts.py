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

import pickle
from typing import Callable

from .cache import Cache, code, key
from .load import Source


def known(store: Cache) -> Callable[[str], dict | None] | None:
    """What ``load_tei`` asks of a file's text (by its SHA-256): its facts kept by an earlier build, or None."""
    if store.folder is None:
        return None

    def facts(digest: str) -> dict | None:
        found = store.unpickled(_key(digest))  # a damaged entry: the file is parsed and its facts worked out again
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
    return key("file facts", code(), digest)  # every module: any of them may work out a fact
