"""Stage 2: validate the TEI against the edition's grammar and rules.

All run on every build and every problem of all is reported together:
``edition.rng`` (RELAX NG: which elements and attributes, where; ``apparatus.rng``
for the shared apparatus), ``edition.sch`` (Schematron, file by file: unique ids,
notes and their references, real dates, citable blocks with ids), and the rules
that span the files (``edition_violations``): ids unique across the edition,
and every pointer that may cross files (@ref, @target, @active, @passive) naming
an id the edition has.
"""
from __future__ import annotations

import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import astuple
from functools import lru_cache
from pathlib import Path
from typing import Callable

from lxml import etree, isoschematron

from .cache import Cache, code, key
from .diagnostics import BuildFailed, Diagnostic, display_path
from .load import NS, Source, read_once
from .parallel import Forked

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_HINTED = re.compile(r"^(?P<what>.*?)\s*\((?P<hint>[^()]*)\)$", re.S)
_RNG_ATTRIBUTE = re.compile(r"Invalid attribute|failed to validate attributes|has an attribute or a value|"
                            r"doesn't allow value|validating datatype")
_SCH_ATTRIBUTE = re.compile(r"^@[\w:]+=|has no xml:id")
_ATTRIBUTES_FAILED = re.compile(r"^Element (\S+) failed to validate attributes$")
RNG_HINT = "see source/schema/edition.rng for what this element may contain and carry"


@lru_cache(maxsize=4)
def grammar(path: Path) -> etree.RelaxNG:
    with _schema_problems(path):
        return etree.RelaxNG(etree.ElementTree(_schema_tree(path)))


@lru_cache(maxsize=4)
def rules(path: Path) -> isoschematron.Schematron:
    with _schema_problems(path):
        tree = _schema_tree(path)
        for rule in tree.iter("{http://purl.oclc.org/dsdl/schematron}rule"):
            if _selects_attributes(rule.get("context", "")):  # ``Rules`` visits elements only
                line = rule.sourceline or 0
                text = schema_text(path).decode("utf-8", "replace").splitlines()[line - 1] if line else ""
                raise BuildFailed([Diagnostic(
                    display_path(path), line, text.find(rule.get("context")) + 1 or 1,
                    f'a rule\'s context selects attributes: "{rule.get("context")}"',
                    "the edition's rules apply to elements: match the element that carries the attribute, "
                    "as tei:*[@when] does")])
        return Rules(etree.ElementTree(tree), store_report=True)


def _selects_attributes(context: str) -> bool:
    """Whether a rule's context can match an attribute: an "@" or attribute:: outside its
    predicates and quoted strings."""
    depth, quote, outside = 0, "", []
    for c in context:
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif depth == 0:
            outside.append(c)
    steps = "".join(outside)
    return "@" in steps or "attribute::" in steps


def _compile_rules(schematron: etree._ElementTree, **params) -> etree._ElementTree:
    """The Schematron compiled to XSLT by lxml's ISO skeleton, less one walk of the whole file
    per pattern: the skeleton's ``<svrl:active-pattern>`` holds an ``<xsl:apply-templates/>`` that
    visits every element in the default mode, whose templates write nothing (the rules' own walks
    are in modes of their own). And the rules' walks visit elements only: every rule's context is
    an element (edition.sch says why), but the skeleton would visit every attribute too, having
    found an "@" in a context's predicate. A file is checked in half the time."""
    compiled = isoschematron.iso_svrl_for_xslt1(schematron, **{"attributes": "'false'", **params})
    for walk in _IDLE_WALKS(compiled):
        walk.getparent().remove(walk)
    return compiled


_IDLE_WALKS = etree.XPath("//svrl:active-pattern/xsl:apply-templates[not(@select) and not(@mode)]",
                          namespaces={"svrl": SVRL[1:-1], "xsl": "http://www.w3.org/1999/XSL/Transform"})


class Rules(isoschematron.Schematron):
    """lxml's Schematron, compiled by ``_compile_rules`` (its documented customisation point)."""
    _compile = staticmethod(_compile_rules)


def _quoted_at(path: Path, message: str) -> tuple[int, int]:
    """Where the expression that failed to compile stands in the schema (Schematron is compiled to XSLT,
    whose errors point into the stylesheet made from it, not into the schema); (0, 0) if nowhere."""
    quoted = re.search(r"failed to compile '([^']+)'", message)
    text = schema_text(path).decode("utf-8", "replace")
    at = text.find(quoted[1]) if quoted else -1
    if at < 0:
        return 0, 0
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


SCHEMA_HINT = "the edition's schema is broken: correct it, or restore it with git checkout {path}"


def _schema_tree(path: Path) -> etree._Element:
    # The schemas are the edition's own files, but read as carefully as its TEI: no DTD, no entities.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(schema_text(path), parser, base_url=str(path))
    except etree.XMLSyntaxError as e:
        # the parser's own log: the exception's carries the errors of earlier files of this thread too
        shown = display_path(path)
        first = next((x for x in parser.error_log if x.line), None)
        line, col = (first.line, max(first.column, 1)) if first is not None else (e.lineno or 0, 1)
        message = (first.message if first is not None else e.msg).strip().rstrip(".")
        raise BuildFailed([Diagnostic(shown, line, col, f"the schema is not well-formed XML: {message}",
                                      SCHEMA_HINT.format(path=shown))]) from None


@contextmanager
def _schema_problems(path: Path):
    """A schema that does not compile: one located error, not a traceback (``_schema_tree`` reports
    one that is not well-formed)."""
    shown = display_path(path)
    try:
        yield
    except (etree.RelaxNGParseError, etree.XSLTParseError, etree.SchematronParseError) as e:
        # the first error with a place in this schema or one it includes; else (the Schematron's rules,
        # compiled into a stylesheet first) the first that quotes an expression of the schema
        entries = list(e.error_log)
        entry = next((x for x in entries if x.line and x.filename and not x.filename.startswith("<")), None)
        if entry is not None:
            shown, line, col = display_path(Path(entry.filename)), entry.line, max(entry.column, 1)
        else:
            placed = [(x, _quoted_at(path, x.message)) for x in entries]
            entry, (line, col) = next(((x, at) for x, at in placed if at != (0, 0)), (None, (0, 0)))
        message = " ".join(str(entry.message if entry is not None else e).split())
        raise BuildFailed([Diagnostic(shown, line, col, f"the schema does not compile: {message}",
                                      SCHEMA_HINT.format(path=shown))]) from None


def forget_schemas() -> None:
    """Read and compile the schemas again at the next build (the preview: one may have been saved)."""
    for cached in (schema_text, _rules_key, grammar, rules):
        cached.cache_clear()


def validate_edition(sources: list[tuple[Source, Path]], sch_path: Path, cache: Cache = Cache(None)) -> None:
    """Each file against its grammar and the rules, then the rules across files; BuildFailed with all problems."""
    start_validation(sources, sch_path, workers=0, cache=cache)()


def start_validation(sources: list[tuple[Source, Path]], sch_path: Path, workers: int,
                     cache: Cache = Cache(None)) -> "Validation":
    """Begin ``validate_edition`` beside the build's other stages; the ``Validation`` returned waits for
    it and raises its BuildFailed. A file validated before, with the same text and schemas, is
    not validated again: its problems (mostly none) come from ``cache``. Several workers and
    several files to validate: forked processes, a share of the files each; else, in a process with
    no other thread, one forked process; with threads running (the preview's), a thread, since
    libxml2 validates without Python's lock (and nothing changes the parsed trees meanwhile); none:
    at once, here. A forked process also makes the checks across files, which read every file (half
    a second at 1,000 documents): the build goes on meanwhile, even when one file changed."""
    keys = [cache_key(source, rng_path, sch_path) for source, rng_path in sources]
    known: dict[int, list[Diagnostic]] = {}
    for i, name in enumerate(keys):
        data = cache.get(name)
        if data is not None:
            try:
                known[i] = [Diagnostic(*fields) for fields in json.loads(data)]
            except (ValueError, TypeError):
                pass  # a damaged entry: validate again
    todo = [i for i in range(len(sources)) if i not in known]

    def compile_schemas() -> None:
        for rng_path in {sources[i][1] for i in todo}:
            grammar(rng_path)
        rules(sch_path)

    def problems_of(i: int) -> list[Diagnostic]:
        try:
            validate(sources[i][0], sources[i][1], sch_path)
        except BuildFailed as failure:
            return failure.diagnostics
        return []

    def item_problems(i: int | None) -> list[Diagnostic]:
        """A forked process's item: a file, by its index (the schemas compiled first, once), or None,
        the checks across files."""
        if i is None:
            return _crossing([s for s, _ in sources])
        compile_schemas()
        return problems_of(i)

    def done(found: list[list[Diagnostic]], crossing: list[Diagnostic] | None = None) -> None:
        for i, problems in zip(todo, found):
            cache.put(keys[i], json.dumps([astuple(d) for d in problems]).encode("utf-8"))
            known[i] = problems
        if crossing is None:  # not made beside the files': now
            crossing = edition_violations([s for s, _ in sources])
        problems = [d for i in range(len(sources)) for d in known[i]] + crossing
        if problems:
            raise BuildFailed(problems)

    def forked_done(forked: Forked) -> None:
        *found, (crossing, facts) = forked.results()  # the files' problems, then those across files
        _adopt([s for s, _ in sources], facts)
        done(found, crossing)

    known_bad = any(known.values())  # a file whose problems the cache already holds
    if workers > 1 and len(todo) > 1:
        compile_schemas()  # here, once, for every worker
        forked = Forked(item_problems, [*todo, None], workers)
        return Validation(lambda: forked_done(forked), lambda: known_bad, "processes", forked)
    if workers >= 1 and todo and threading.active_count() == 1 and hasattr(os, "fork"):
        # A process with no other thread (a build from the command line) may fork safely: a child
        # compiles and validates, and never holds this process's interpreter lock meanwhile.
        forked = Forked(item_problems, [*todo, None], 1)

        def failed() -> bool:
            if known_bad or not forked.ready():
                return known_bad
            try:
                *found, (crossing, _) = forked.results()
                return any(found) or bool(crossing)
            except (BuildFailed, RuntimeError):  # a schema that does not compile, or a crash
                return True

        return Validation(lambda: forked_done(forked), failed, "process", forked)
    if workers >= 1 and todo:  # compiled on the thread too: the build goes on meanwhile
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(lambda: (compile_schemas(), [problems_of(i) for i in todo])[1])
        pool.shutdown(wait=False)
        return Validation(lambda: done(future.result()), lambda: known_bad or (
            future.done() and future.exception() is None and any(future.result())), "thread")
    if todo:
        compile_schemas()
    return Validation(lambda: done([problems_of(i) for i in todo]), lambda: known_bad, "here")


class Validation:
    """The validation under way. Called, it waits and raises its problems (the same each time it is
    called); ``failed()`` says, without waiting, whether some file's problems are known already, so
    that the build stops before making pages from a file that is not valid. ``where`` it runs:
    "processes", "process", "thread", or "here" (at once, or nothing left to validate)."""

    def __init__(self, finish: Callable[[], None], failed: Callable[[], bool], where: str,
                 forked: Forked | None = None):
        self._finish = finish
        self.failed = failed
        self.where = where
        self._forked = forked  # its processes, if forked
        self._outcome: BuildFailed | bool | None = None

    def close(self) -> None:
        """Stop the validation's processes, not waiting for them (the build was interrupted)."""
        if self._forked is not None:
            self._forked.close()

    def __call__(self) -> None:
        if self._outcome is None:
            try:
                self._finish()
                self._outcome = True
            except BuildFailed as failure:
                self._outcome = failure
        if isinstance(self._outcome, BuildFailed):
            raise BuildFailed(self._outcome.diagnostics)


def cache_key(source: Source, rng_path: Path, sch_path: Path) -> str:
    """What a file's problems depend on: its text and where it is (the diagnostics name it), the
    schemas, and the code that validates and reports."""
    return key("validation", source.digest, source.locator.shown, _rules_key(rng_path, sch_path))


@lru_cache(maxsize=8)
def _rules_key(rng_path: Path, sch_path: Path) -> str:
    """The schemas and the code, hashed once, not once a file."""
    return key("rules", schema_text(rng_path), schema_text(sch_path), code("validate", "load", "diagnostics"))


@lru_cache(maxsize=8)
def schema_text(path: Path) -> bytes:
    return read_once(path)  # the site publishes the schemas too


#: Attributes whose "#id" may point into another file of the edition.
CROSS_FILE = ("ref", "target", "active", "passive", "source")
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
ENTRY_KINDS = ("person", "org", "place")


def edition_violations(sources: list[Source]) -> list[Diagnostic]:
    """Ids unique across the edition; every cross-file pointer names an id it has (@ref: an entry).

    The ids and pointers are read as strings (an edition of a thousand documents has tens of
    thousands); elements are looked at only where something is wrong."""
    found = []
    known: set[str] = set()  # every id of the edition
    repeated: set[str] = set()  # the ids of more than one file (within one file, the Schematron reports it)
    entries: set[str] = set()  # the ids of persons, organisations and places
    for source in sources:
        own = source.once("id set", lambda s: frozenset(_ID_VALUES(s.root)), plain=True)
        repeated |= known & own
        known |= own
        entries.update(source.once("entry ids", lambda s: _ENTRY_ID_VALUES(s.root), plain=True))
    files_of: dict[str, list[int]] = {}  # each repeated id: the files that have it, in order
    for i, source in enumerate(sources if repeated else ()):
        for identifier in _ID_VALUES(source.root):
            if identifier in repeated:
                files = files_of.setdefault(identifier, [])
                if not files or files[-1] != i:
                    files.append(i)
    for identifier, files in files_of.items():
        places = [(sources[i], element) for i in files for element in _WITH_THE_ID(sources[i].root, id=identifier)]
        for source, element in places:
            others = ", ".join(f"{o.locator.shown}:{e.sourceline}" for o, e in places if e is not element)
            found.append(source.locator.at(
                element, f'duplicate xml:id "{identifier}", also at {others}',
                "every xml:id is a public anchor and must be unique across the edition: rename one of them, "
                "keeping the one already published"))
    found += _duplicate_numbers(sources)
    for source in sources:
        refs, others = source.once("cross-file pointers", lambda s: (_REF_POINTERS(s.root), _OTHER_POINTERS(s.root)),
                                   plain=True)
        if all(pointer[1:] in entries for pointer in refs) and all(pointer[1:] in known for pointer in others):
            continue  # every pointer of the file lands: no element to look at
        for pointer in _PLACED(source.root):  # the same pointers, with their elements, to locate them
            element, attr = pointer.getparent(), pointer.attrname
            if attr == "ref":
                if pointer[1:] not in entries:
                    found.append(source.locator.at(
                        element, f'@ref="{pointer}" names no person, org or place in standOff',
                        'write "#" and the id of an entry there, or add the entry'))
            elif pointer[1:] not in known:
                found.append(source.locator.at(
                    element, f'@{attr}="{pointer}" points to no xml:id in the edition',
                    "correct the pointer or add the entry it names"))
    return found


#: The plain facts of a file that the checks across files work out (``file_facts`` keeps them).
_CROSSING_FACTS = ("id set", "entry ids", "cross-file pointers", "document numbers")


def _crossing(sources: list[Source]) -> tuple[list[Diagnostic], list[dict]]:
    """The checks across files, in a forked process: their problems, and the plain facts of each file
    that they worked out, for the build to keep (the process's own memory goes when it ends)."""
    problems = edition_violations(sources)
    return problems, [{name: s.memo[name] for name in _CROSSING_FACTS if name in s.made} for s in sources]


def _adopt(sources: list[Source], facts: list[dict]) -> None:
    for source, found in zip(sources, facts):
        for name, value in found.items():
            if name not in source.memo:
                source.memo[name] = value
                source.plain.add(name)
                source.made.add(name)


# What each rule looks at, found by libxml2 rather than by visiting every element in Python; plain
# strings, where no element is needed.
_ID_VALUES = etree.XPath("//@xml:id[. != '']", smart_strings=False)
_ENTRY_ID_VALUES = etree.XPath(" | ".join(f"//tei:{kind}/@xml:id[. != '']" for kind in ENTRY_KINDS),
                               namespaces=NS, smart_strings=False)
_WITH_THE_ID = etree.XPath("//*[@xml:id = $id]")
#: A pointer that may cross files: "#…" in one of CROSS_FILE, but a join's (its parts, in the file) and
#: a note's anchor (the Schematron checks both).
_CROSSING = "[starts-with(., '#')][not(parent::tei:join or parent::tei:ptr[@type = 'noteAnchor'])]"
_REF_POINTERS = etree.XPath(f"//@ref{_CROSSING}", namespaces=NS, smart_strings=False)
_OTHER_POINTERS = etree.XPath(" | ".join(f"//@{attr}{_CROSSING}" for attr in CROSS_FILE if attr != "ref"),
                              namespaces=NS, smart_strings=False)
_PLACED = etree.XPath(" | ".join(f"//@{attr}{_CROSSING}" for attr in CROSS_FILE), namespaces=NS)
_DOCUMENTS = etree.XPath("//tei:div[@type = 'document'][@n != '']", namespaces=NS)


def _duplicate_numbers(sources: list[Source]) -> list[Diagnostic]:
    """Each document's number names its pages (d170.html): two files may not hold one number. The
    numbers are read as strings; the divisions, only where one is repeated."""
    where: dict[str, list[tuple[Source, int]]] = {}  # each number: the files, and its place among their divisions
    for source in sources:
        numbers = source.once("document numbers", lambda s: [e.get("n") for e in _DOCUMENTS(s.root)], plain=True)
        for i, number in enumerate(numbers):
            where.setdefault(number, []).append((source, i))
    found = []
    for number, places in where.items():
        if len(places) < 2:
            continue
        located = [(source, _DOCUMENTS(source.root)[i]) for source, i in places]
        first, at = located[0]
        for source, element in located[1:]:
            found.append(source.locator.at(
                element, f'Document {number} is also in {first.locator.shown}:{at.sourceline}',
                "each document has one file, and its number names its pages: correct the number, or remove the copy"))
    return found


def validate(source: Source, rng_path: Path, sch_path: Path) -> None:
    """Raise BuildFailed with every grammar and rule violation of one file, in source order."""
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
