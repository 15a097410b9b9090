"""The edition's publication settings, from ``source/edition.toml``.

Only what the TEI cannot say belongs here: the public base URL of the site.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import decoded

_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


BASE_URL_HINT = "write it as https://host/path/, with the final slash"


def base_url_problem(value: str) -> str:
    """What is wrong with ``value`` as the base URL, or "" if it is an absolute https URL ending in "/"."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        return f"base URL {value!r} is not an absolute https URL"
    if not value.endswith("/") or parts.query or parts.fragment:
        return f"base URL {value!r} must end in \"/\" and have no query or fragment"
    return ""


def read_base_url(path: Path) -> str:
    """The ``base-url`` setting of ``path``: "" when the file or the setting is empty."""
    shown = display_path(path)
    try:
        text = decoded(path, path.read_bytes())  # not UTF-8: at its first bad byte, as every input
    except FileNotFoundError:
        return ""
    except OSError as e:  # a folder in its place, or not to be read by this user
        raise BuildFailed([Diagnostic(shown, 0, 0, f"cannot read the settings: {e.strerror or e}",
                                      "restore source/edition.toml from git as a file this user may read")]) from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        place = _TOML_PLACE.search(str(e))
        line, col = (int(place.group(1)), int(place.group(2))) if place else (0, 0)
        message = _TOML_PLACE.sub("", str(e)).strip()
        raise BuildFailed([Diagnostic(shown, line, col, f"the settings are not valid TOML: {message}",
                                      'write the setting as base-url = "https://host/path/"')]) from None
    value = settings.get("base-url", "")
    if value == "":
        return ""
    if not isinstance(value, str):
        raise BuildFailed([Diagnostic(shown, _line_of(text, "base-url"), 1, "base-url must be a string",
                                      'write it as base-url = "https://host/path/", or "" while none is decided')])
    problem = base_url_problem(value)
    if problem:
        raise BuildFailed([Diagnostic(shown, _line_of(text, "base-url"), 1, problem, BASE_URL_HINT)])
    return value


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(key):
            return number
    return 0
