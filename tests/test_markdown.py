"""The edition's Markdown: rendered as typed, raw HTML reported at its place and never emitted."""
from __future__ import annotations

from pathlib import Path

import pytest

from edition.diagnostics import BuildFailed
from edition.markdown import markdown_file, render_markdown

HINT = "(write it in Markdown; to show the characters themselves, put them in `backticks`)"


def write(tmp_path, text: str):
    path = tmp_path / "about.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_renders_headings_emphasis_and_links(tmp_path):
    html = markdown_file(write(tmp_path, "# About\n\nThe *text* of [FRUS](https://history.state.gov/).\n"))
    assert html == ('<h1>About</h1>\n<p>The <em>text</em> of '
                    '<a href="https://history.state.gov/">FRUS</a>.</p>\n')


def test_quotes_and_dashes_stay_as_typed():
    html = render_markdown('He said "no" -- twice...\n', Path("a.md")).html
    assert html == "<p>He said &quot;no&quot; -- twice...</p>\n"


def test_inline_raw_html_is_reported_at_its_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "First line.\n\nSome <b>bold</b> text.\n")
    with pytest.raises(BuildFailed) as failed:
        markdown_file(path)
    assert str(failed.value).splitlines() == [
        f"about.md:3:6: error: raw HTML is not allowed in Markdown: <b> {HINT}",
        f"about.md:3:13: error: raw HTML is not allowed in Markdown: </b> {HINT}",
    ]


def test_a_raw_html_block_is_reported_at_its_first_character(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "Text.\n\n  <div class=\"x\">\n  inside\n  </div>\n")
    with pytest.raises(BuildFailed) as failed:
        markdown_file(path)
    assert str(failed.value) == f'about.md:3:3: error: raw HTML is not allowed in Markdown: <div class="x"> inside </div> {HINT}'


def test_raw_html_is_shown_escaped_and_never_emitted(tmp_path):
    rendered = render_markdown('A <script>alert(1)</script> and <img src=x onerror=y>\n', tmp_path / "a.md")
    assert "<script" not in rendered.html and "<img" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert [d.col for d in rendered.diagnostics] == [3, 19, 33]


def test_html_inside_backticks_is_text_and_no_error(tmp_path):
    rendered = render_markdown("Write `<persName>` in the TEI.\n", tmp_path / "a.md")
    assert rendered.diagnostics == []
    assert rendered.html == "<p>Write <code>&lt;persName&gt;</code> in the TEI.</p>\n"


def test_an_image_from_another_host_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "See ![a seal](https://example.org/seal.png) and ![map](map.png).\n")
    with pytest.raises(BuildFailed) as failed:
        markdown_file(path)
    assert str(failed.value) == ("about.md:1:5: error: image from another host: https://example.org/seal.png"
                                 " (put the image beside the text and give its relative path: pages load nothing from other hosts)")


def test_a_markdown_file_that_is_not_utf8_is_reported_at_the_bad_byte(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "about.md"
    path.write_bytes(b"Line one.\nCaf\xe9.\n")
    with pytest.raises(BuildFailed) as failed:
        markdown_file(path)
    assert str(failed.value) == ("about.md:2:4: error: the file is not UTF-8: byte 0xe9 cannot start or continue"
                                 " a character (save the file as UTF-8)")
