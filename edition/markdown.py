"""The edition's Markdown texts (``source/*.md``) as HTML, rendered one way only.

markdown-it-py with raw HTML disabled and the typographer off: what an editor
types is what a reader reads, quotes and dashes included. Raw HTML is never
emitted; it is shown escaped, as the text it is, and reported at its line and
column, as is an image from another host (a page requests nothing from one).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import read_text

#: The edition's texts in Markdown, kept in the project's source/ folder.
TEXTS = Path(__file__).resolve().parent.parent / "source"
RAW_HTML_HINT = "write it in Markdown; to show the characters themselves, put them in `backticks`"
REMOTE_IMAGE_HINT = "put the image beside the text and give its relative path: pages load nothing from other hosts"


@lru_cache(maxsize=None)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False, "linkify": False})


@lru_cache(maxsize=None)
def _finder() -> MarkdownIt:
    """The same grammar with HTML on: used only to find raw HTML, never to render it."""
    return MarkdownIt("commonmark", {"html": True, "typographer": False, "linkify": False})


@dataclass(frozen=True)
class Rendered:
    html: Markup
    diagnostics: list[Diagnostic]


def render_markdown(text: str, path: Path) -> Rendered:
    """HTML for ``text`` (raw HTML escaped) and a located diagnostic for each raw HTML or remote image."""
    shown = display_path(path)
    lines = text.splitlines()
    found: list[Diagnostic] = []
    tokens = _finder().parse(text)
    for token in tokens:
        if token.type == "html_block":
            line = token.map[0]
            col = len(lines[line]) - len(lines[line].lstrip()) + 1
            found.append(_raw_html(shown, line + 1, col, token.content))
        elif token.type == "inline" and token.map:
            found.extend(_inline_problems(shown, lines, token))
    renderer = _renderer()
    if found:  # parsed again with HTML off, so that the raw HTML shows as the text it is
        return Rendered(Markup(renderer.render(text)), sorted(found))
    # No raw HTML: both grammars read the text alike, and the tokens already made are rendered.
    return Rendered(Markup(renderer.renderer.render(tokens, renderer.options, {})), [])


def markdown_file(path: Path) -> Markup:
    """A Markdown file as HTML; BuildFailed with every raw HTML and remote image found."""
    rendered = render_markdown(read_text(path, once=True), path)  # its key has read it
    if rendered.diagnostics:
        raise BuildFailed(rendered.diagnostics)
    return rendered.html


def _raw_html(shown: str, line: int, col: int, content: str) -> Diagnostic:
    snippet = " ".join(content.split())
    snippet = snippet if len(snippet) <= 40 else snippet[:39] + "…"
    return Diagnostic(shown, line, col, f"raw HTML is not allowed in Markdown: {snippet}", RAW_HTML_HINT)


def _inline_problems(shown: str, lines: list[str], token: Token) -> list[Diagnostic]:
    """Raw HTML and remote images in one inline run, each located in the source lines it spans."""
    first, last = token.map
    span = lines[first:last]
    problems = []
    cursor = (0, 0)  # (line within span, column): each search goes on from the previous find
    for child in _walk(token.children or []):
        if child.type == "html_inline":
            needle = child.content
        elif child.type == "image" and _is_remote(str(child.attrGet("src") or "")):
            needle = "!["
        else:
            continue
        cursor = _find(span, needle, cursor) or cursor
        line, col = first + cursor[0] + 1, cursor[1] + 1
        if child.type == "html_inline":
            problems.append(_raw_html(shown, line, col, child.content))
        else:
            problems.append(Diagnostic(shown, line, col, f"image from another host: {child.attrGet('src')}",
                                       REMOTE_IMAGE_HINT))
        cursor = (cursor[0], cursor[1] + 1)
    return problems


def _is_remote(src: str) -> bool:
    return "://" in src or src.startswith("//")


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def _find(span: list[str], needle: str, cursor: tuple[int, int]) -> tuple[int, int] | None:
    line, col = cursor
    while line < len(span):
        at = span[line].find(needle, col)
        if at >= 0:
            return line, at
        line, col = line + 1, 0
    return None
