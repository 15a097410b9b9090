"""How each TEI element becomes HTML: the one table, ``RULES``, at the bottom.

A row maps an element (optionally narrowed by its @type, as ``div[type=document]``)
to a behaviour: a small function of the renderer and the element that returns
escaped HTML. Behaviours that differ between the reading and the diplomatic view
ask ``r.reading``. An element with no row is a build error naming it and its
line: nothing is rendered by a silent fallback.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree
from markupsafe import Markup

from .diagnostics import BuildFailed
from .escaping import escaped, markup, safe
from .load import NS
from .model import XML_ID
from .quotations import quoted_passage, readings
from .resolve import Links


class Renderer:
    """Renders TEI elements for one view of one page."""

    def __init__(self, links: Links, page: str, view: str = "reading", anchors: bool = True):
        self.links = links
        self.page = page
        self.view = view
        self.reading = view == "reading"
        self.anchors = anchors  # False where a block is shown a second time on one page
        self._behaviours: dict[tuple, Behaviour] = {}  # by tag and @type: looked up once a view, not once an element

    def render(self, element: etree._Element) -> Markup:
        key = (element.tag, element.get("type"))
        behaviour = self._behaviours.get(key)
        if behaviour is None:
            behaviour = self._behaviours[key] = behaviour_for(element, self.links)
        return behaviour(self, element)

    def inline(self, element: etree._Element) -> Markup:
        """Mixed content: text with white space collapsed as HTML shows it."""
        parts = [text(element.text)]
        for child in element:
            parts.append(self.render(child))
            parts.append(text(child.tail))
        return markup("".join(parts))  # every part is escaped already: joined as plain strings, faster

    def blocks(self, element: etree._Element) -> Markup:
        """Element-only content: children rendered, white space between them dropped."""
        return markup("\n".join([self.render(child) for child in element]))

    def href(self, pointer: str) -> str:
        return self.links.href(pointer, self.page)


def document_html(links: Links, document, page: str, view: str = "reading") -> tuple[Markup, Markup]:
    """A document's text and its back (notes) as one page shows them: rendered once a build,
    for the page and for the downloads made from it."""
    key = ("document", document.key, page, view)
    if key not in links.memo:
        r = Renderer(links, page, view)
        links.memo[key] = (r.render(document.document), r.render(document.back))
    return links.memo[key]


# --- helpers ---------------------------------------------------------------------------

def text(value: str | None) -> Markup:
    return markup(escaped(collapsed(value))) if value else _EMPTY


_EMPTY = Markup("")


def collapsed(value: str) -> str:
    r"""White space collapsed as HTML shows it: a run of it is one space, at the ends too. (What
    ``re.sub(r"\s+", " ", value)`` does, three times faster: str.split knows the same white space.)"""
    words = value.split()
    if not words:
        return " "
    joined = " ".join(words)
    if value[0].isspace():
        joined = " " + joined
    if value[-1].isspace():
        joined += " "
    return joined


def html(template: str, *parts: Markup | str) -> Markup:
    """``template`` (the code's own, trusted) with each part escaped in its place: what
    ``Markup(template).format`` does, without its slower formatter."""
    return markup(template.format(*[safe(part) for part in parts]))


def tag(name: str, content: Markup | str = "", **attrs: str | None) -> Markup:
    """An HTML element; attribute names ending in ``_`` lose it (``class_`` -> ``class``)."""
    # plain strings with explicit escaping: the same output as Markup.format, several times faster
    rendered = "".join([f' {key.rstrip("_").replace("_", "-")}="{safe(value)}"'
                        for key, value in attrs.items() if value is not None])
    return markup("".join(("<", name, rendered, ">", safe(content), "</", name, ">")))


def permalink(anchor: str, cite: bool | str = True) -> Markup:
    """The ¶ link to a passage's anchor and, for a passage of the text, its Cite link
    (to ``cite``, the Cite page of the passage's document; True: Document 171's)."""
    a = escaped(anchor)
    link = (f'<a class="permalink" href="#{a}" title="Permanent link: #{a}">¶'
            f'<span class="visually-hidden"> Permanent link to this passage: {a}</span></a>')
    if not cite:  # entries of the apparatus (names, events) have an anchor, not a citation
        return markup(link)
    page = escaped(cite if isinstance(cite, str) else "cite.html")
    return markup(link + f'<a class="permalink cite-link" href="{page}#{a}" title="Cite this passage: #{a}">Cite'
                         f'<span class="visually-hidden"> this passage: {a}</span></a>')


def citable(r: Renderer, element: etree._Element, name: str, content: Markup, **attrs) -> Markup:
    """A block with its permanent id and a visible permalink."""
    anchor = anchor_of(r, element)
    if anchor is None:
        return tag(name, content.strip(), **attrs)
    return tag(name, html("{} {}", content.strip(), permalink(anchor, r.links.cite_page(anchor))),
               id=anchor, **attrs)


def anchor_of(r: Renderer, element: etree._Element) -> str | None:
    return element.get(XML_ID) if r.anchors else None


# --- behaviours ------------------------------------------------------------------------

def article(r: Renderer, el) -> Markup:
    return tag("article", r.blocks(el), id=anchor_of(r, el), class_=f"document {r.view}")


def endnotes(r: Renderer, el) -> Markup:
    """The FRUS notes, at the end, under their own heading."""
    return tag("section", html("<h2>Notes</h2>\n{}", r.blocks(el)),
               id=el.get(XML_ID), class_="notes", role="doc-endnotes", aria_label="Notes")


def annotations(r: Renderer, el) -> Markup:
    """The editors' notes: in the reading view only, under a heading of their own."""
    if not r.reading:
        return Markup("")
    return tag("section", html("<h2>Editorial notes</h2>\n{}", r.blocks(el)),
               id=el.get(XML_ID), class_="notes editorial", role="doc-endnotes", aria_label="Editorial notes")


def omit(r: Renderer, el) -> Markup:
    """Encoding that is not text here: the join builds composite.html instead."""
    return Markup("")


def lemma(r: Renderer, el) -> Markup:
    return html('<span class="lemma">{}</span>]', r.inline(el))


def section(r: Renderer, el) -> Markup:
    return tag("section", r.blocks(el), id=anchor_of(r, el), class_=f"div {el.get('type')}")


def heading(r: Renderer, el) -> Markup:
    if etree.QName(el.getparent()).localname == "list":  # a FROM: or TO: label
        return tag("span", r.inline(el).strip(), class_="list-label")
    level = "h1" if el.getparent().get("type") == "document" else "h2"
    return citable(r, el, level, r.inline(el))


def paragraph(r: Renderer, el) -> Markup:
    return citable(r, el, "p", r.inline(el))


def closer(r: Renderer, el) -> Markup:
    return citable(r, el, "p", r.inline(el), class_="closer")


def opener(r: Renderer, el) -> Markup:
    """The wire's header: one line a part, as the source lays it out."""
    anchor = anchor_of(r, el)
    link = permalink(anchor, r.links.cite_page(anchor)) if anchor else Markup("")
    return tag("div", html("{}\n{}", r.blocks(el), link), id=anchor, class_="opener")


def line(r: Renderer, el) -> Markup:
    return tag("p", r.inline(el).strip(), class_=f"line {el.get('type') or etree.QName(el).localname}")


def dateline(r: Renderer, el) -> Markup:
    """A line of the wire's header, or a document's own dateline: a citable block."""
    if etree.QName(el.getparent()).localname == "opener":
        return line(r, el)
    return citable(r, el, "p", r.inline(el), class_="dateline")


def party_list(r: Renderer, el) -> Markup:
    """A FROM or TO list of a message's header: its label, then the names, as the source has them."""
    label = el.find("tei:head", NS)
    items = tag("ul", Markup("").join(r.render(item) for item in el.iterfind("tei:item", NS)))
    return citable(r, el, "div", html("{} {}", r.render(label) if label is not None else "", items),
                   class_=f"party {el.get('type')}")


def list_item(r: Renderer, el) -> Markup:
    return tag("li", r.inline(el).strip())


def signed(r: Renderer, el) -> Markup:
    return tag("span", r.inline(el).strip(), class_="signed")


def line_break(r: Renderer, el) -> Markup:
    return Markup("<br>")


def time(r: Renderer, el) -> Markup:
    """A time of day, or a span of time (HTML's <time> takes one value, not a span)."""
    if el.get("when"):
        return tag("time", r.inline(el), datetime=el.get("when"))
    return tag("span", r.inline(el), class_="time-range", data_from=el.get("from"), data_to=el.get("to"))


def page_break(r: Renderer, el) -> Markup:
    marker = tag("span", f"[Page {el.get('n')}]", class_="page-marker")
    if etree.QName(el.getparent()).localname in ("div", "body"):
        return citable(r, el, "p", marker, class_="page-break")
    return tag("span", marker, id=anchor_of(r, el), class_="page-break")


def note_reference(r: Renderer, el) -> Markup:
    """A FRUS note's number, or an editorial note's letter (reading view only)."""
    note = r.links.note_of_ref[el.get(XML_ID)]
    editorial = note.type == "editorial"
    if editorial and not r.reading:
        return Markup("")
    label = f"Editorial note {note.number}" if editorial else f"Note {note.number}"
    anchor = anchor_of(r, el)
    # A passage shown a second time links to its note too, but only the first is the
    # note's reference, the one its back-link returns to.
    kind = "noteref" if anchor else "note-link"
    link = tag("a", note.number, id=anchor, href=r.href(el.get("target")),
               class_=f"{kind} editorial" if editorial else kind,
               role="doc-noteref" if anchor else None, aria_label=label)
    return tag("sup", link)


def footnote(r: Renderer, el) -> Markup:
    number, anchor = el.get("n"), el.get(XML_ID)
    kind = "editorial note" if el.get("type") == "editorial" else "note"
    back = tag("a", f"{number}.", href=r.href("#" + r.links.ref_of_note[anchor]),
               class_="note-number", role="doc-backlink",
               aria_label=f"{number}: back to the reference of {kind} {number}")
    body = tag("p", html("{} {} {}", back, r.inline(el).strip(), permalink(anchor, r.links.cite_page(anchor))))
    return tag("div", body, id=anchor, class_=f"note {el.get('type')}", role="doc-footnote")


def name(r: Renderer, el) -> Markup:
    kind = etree.QName(el).localname
    content = r.inline(el)
    if not (el.get("ref") and r.reading):
        return tag("span", content, class_=f"name {kind}")
    return tag("a", content, href=r.href(el.get("ref")), class_=f"name {kind}")


def date(r: Renderer, el) -> Markup:
    if el.get("when"):
        return tag("time", r.inline(el), datetime=el.get("when"))
    return tag("span", r.inline(el), class_="date-range", data_from=el.get("from"), data_to=el.get("to"))


def cross_reference(r: Renderer, el) -> Markup:
    """A link: within the edition; to a document the edition holds, its page here with the
    history.state.gov address beside it; else external."""
    target = el.get("target")
    held = r.links.held(target) if not target.startswith("#") else None
    if held is not None:
        document, fragment = held
        fragment = fragment or quoted_in(r.links, el, document) or document.document.get(XML_ID)
        here = tag("a", r.inline(el), href=r.href("#" + fragment), class_="xref")
        return html('{} <span class="source-address">({})</span>', 
            here, tag("a", "history.state.gov", href=target, class_="external"))
    external = not target.startswith("#")
    return tag("a", r.inline(el), href=r.href(target), class_="external" if external else "xref")


def choice(r: Renderer, el) -> Markup:
    """A correction: the diplomatic view keeps the source's reading, the reading view
    shows the editors' and marks it, naming what the source has."""
    sic = el.find("tei:sic", NS)
    corr = el.find("tei:corr", NS)
    if not r.reading:
        return tag("span", r.inline(sic), class_="sic")
    source_reading = tag("span", r.inline(sic), class_="orig")
    return tag("span", html('{}<span class="sic-label"> [source: {}]</span>', 
        tag("ins", r.inline(corr), class_="corr"), source_reading), class_="choice")


def source_citation(r: Renderer, el) -> Markup:
    return tag("cite", r.inline(el), class_="source")


def quoted_in(links: Links, ref: etree._Element, document) -> str | None:
    """For a reference that gives a held document as the source of a quotation (``<cit>``), the
    passage of that document where the quoted words stand: the link goes there."""
    cit = next((a for a in ref.iterancestors(f"{{{NS['tei']}}}cit")), None)
    if cit is None:
        return None
    key = ("quoted", cit, document.key)  # the element itself: its proxy stays alive while a key, id() would not
    if key not in links.memo:
        blocks = [b for b in document.citable if etree.QName(b).localname != "head"
                  or b.getparent() is not document.document] + document.citable[:1]
        links.memo[key] = quoted_passage(list(cit.iterfind("tei:quote", NS)), blocks, lambda b: _readings(links, b))
    return links.memo[key]


def _readings(links: Links, block: etree._Element) -> tuple[str, str]:
    """A block's ``readings``, worked out once a build (the quoted passages of every note ask them)."""
    key = ("readings", block)
    if key not in links.memo:
        links.memo[key] = readings(block)
    return links.memo[key]


def quotation(r: Renderer, el) -> Markup:
    """A quotation with its source: “the words” (source). The marks are the edition's, not in the TEI."""
    quote, bibl = el.find("tei:quote", NS), el.find("tei:bibl", NS)
    # Literal marks rather than <q>: they survive copying, the plain-text download and no CSS.
    return html("{} ({})", quoted(r, quote), source_citation(r, bibl))


def quoted(r: Renderer, el) -> Markup:
    """Words quoted within the editors' sentence, their source cited beside them."""
    return tag("span", html("“{}”", r.inline(el).strip()), class_="quotation")


def omission(r: Renderer, el) -> Markup:
    """Words the editors left out of a quotation."""
    return tag("span", "…", class_="gap", title="words of the source omitted")


def inline_span(r: Renderer, el) -> Markup:
    return tag("span", r.inline(el), class_=etree.QName(el).localname)


Behaviour = Callable[[Renderer, etree._Element], Markup]

RULES: dict[str, Behaviour] = {
    # divisions and blocks
    "div[type=document]": article,
    "div[type=notes]": endnotes,
    "div[type=annotations]": annotations,
    "back": lambda r, el: r.blocks(el),  # only its divisions of notes
    "div": section,
    "head": heading,
    "p": paragraph,
    "opener": opener,
    "seg": line,
    "dateline": dateline,
    "list": party_list,
    "item": list_item,
    "closer": closer,
    "signed": signed,
    "lb": line_break,
    "pb": page_break,
    "join": omit,
    # the FRUS notes and their references
    "ptr[type=noteAnchor]": note_reference,
    "note": footnote,
    "label": lemma,
    # phrases
    "persName": name,
    "orgName": name,
    "placeName": name,
    "date": date,
    "time": time,
    "ref": cross_reference,
    "choice": choice,
    "bibl": source_citation,
    "cit": quotation,
    "quote": quoted,
    "gap": omission,
    "title": inline_span,
}


def behaviour_for(element: etree._Element, links: Links) -> Behaviour:
    local = etree.QName(element).localname
    for key in (f"{local}[type={element.get('type')}]", local):
        if key in RULES:
            return RULES[key]
    raise BuildFailed([links.locate(
        element, f"no rendering rule for <{local}>" + (f' type="{element.get("type")}"' if element.get("type") else ""),
        "add a row for it to RULES in edition/rules.py, or remove the element")])
