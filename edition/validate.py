"""Stage 2: validate the TEI against the edition's grammar and rules.

Both run on every build and every problem of both is reported together:
``edition.rng`` (RELAX NG: which elements and attributes, where) and
``edition.sch`` (Schematron: unique ids, resolvable pointers, notes and their
references, real dates, citable blocks with ids).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree, isoschematron

from .diagnostics import BuildFailed, Diagnostic
from .load import Source

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_HINTED = re.compile(r"^(?P<what>.*?)\s*\((?P<hint>[^()]*)\)$", re.S)
_RNG_ATTRIBUTE = re.compile(r"Invalid attribute|failed to validate attributes|has an attribute or a value|"
                            r"doesn't allow value|validating datatype")
_SCH_ATTRIBUTE = re.compile(r"^@[\w:]+=|has no xml:id")
_ATTRIBUTES_FAILED = re.compile(r"^Element (\S+) failed to validate attributes$")
RNG_HINT = "see source/schema/edition.rng for what this element may contain and carry"


@lru_cache(maxsize=4)
def grammar(path: Path) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(path)))


@lru_cache(maxsize=4)
def rules(path: Path) -> isoschematron.Schematron:
    return isoschematron.Schematron(etree.parse(str(path)), store_report=True)


def validate(source: Source, rng_path: Path, sch_path: Path) -> None:
    """Raise BuildFailed with every grammar and rule violation, in source order."""
    from_rules = rule_violations(source, rules(sch_path))
    # A rule's message about an attribute value says more than libxml2's "Type date
    # doesn't allow value ..." or "Invalid attribute when for element date" on the
    # same element: keep only the rule's.
    explained = {(d.line, d.col) for d in from_rules if _SCH_ATTRIBUTE.search(d.message)}
    from_grammar = [d for d in grammar_violations(source, grammar(rng_path))
                    if not ((d.line, d.col) in explained and _RNG_ATTRIBUTE.search(d.message))]
    problems = from_grammar + from_rules
    if problems:
        raise BuildFailed(problems)


def grammar_violations(source: Source, rng: etree.RelaxNG) -> list[Diagnostic]:
    if rng.validate(source.tree):
        return []
    found = []
    entries = [e for e in rng.error_log if not e.message.startswith("Internal error")]
    if any(e.line for e in entries):
        # libxml2 follows a located error with unlocated summaries of it
        # ("Element note failed to validate attributes"): they add nothing.
        entries = [e for e in entries if e.line]
    for entry in entries:
        element = _element_at(source, entry)
        message = f"not allowed by the schema: {_explained(entry.message.strip().rstrip('.'), element)}"
        if element is None and not entry.line:
            element = source.root
        found.append(source.locator.at(element, message, RNG_HINT) if element is not None
                     else source.locator.at_line(entry.line, 1, message, RNG_HINT))
    return found


def rule_violations(source: Source, schematron: isoschematron.Schematron) -> list[Diagnostic]:
    if schematron.validate(source.tree):
        return []
    found = []
    for failure in schematron.validation_report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = " ".join("".join(failure.itertext()).split())
        what, hint = text, ""
        if m := _HINTED.match(text):
            what, hint = m["what"], m["hint"]
        nodes = source.tree.xpath(failure.get("location"))
        element = nodes[0] if nodes and isinstance(nodes[0], etree._Element) else None
        found.append(source.locator.at(element, what, hint))
    return found


def _explained(message: str, element: etree._Element | None) -> str:
    """libxml2's "Element div failed to validate attributes" names no attribute: show what the element has."""
    if element is None or not _ATTRIBUTES_FAILED.match(message):
        return message
    has = " ".join(f'{_attribute_name(name)}="{value}"' for name, value in element.attrib.items()) or "none"
    return (f"<{etree.QName(element).localname}> has an attribute or a value the schema does not allow here, "
            f"or lacks one it requires; its attributes: {has}")


def _attribute_name(name: str) -> str:
    return "xml:" + name.split("}")[1] if name.startswith("{http://www.w3.org/XML/1998/namespace}") else name


def _element_at(source: Source, entry) -> etree._Element | None:
    """The element a libxml2 error is about: by its XPath when given, else the first on its line."""
    path = getattr(entry, "path", None)
    if path:
        try:
            nodes = source.tree.xpath(path)
        except etree.XPathEvalError:
            nodes = []
        if nodes and isinstance(nodes[0], etree._Element):
            return nodes[0]
    for element in source.root.iter():
        if element.sourceline == entry.line:
            return element
    return None
