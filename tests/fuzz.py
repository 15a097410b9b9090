"""A seeded mutator of the TEI: the mistakes an editor's hands (or a bad save) make.

Each mutation works on the text, so it can also produce what no parser would:
deleted, duplicated and swapped elements and attributes, truncated files,
injected bytes, broken ids. The same seed always gives the same cases.
"""
from __future__ import annotations

import random
import re

_ELEMENT = re.compile(r"<(?P<name>[A-Za-z][\w:]*)\b[^<>]*?(?:/>|>[^<]*</(?P=name)>)", re.S)
_ATTRIBUTE = re.compile(r'\s[\w:]+="[^"<>]*"')
_ID = re.compile(r'(?:xml:id|target|ref)="#?(?P<id>[^"]*)"')
_JUNK = [b"\x00", b"\xff", b"\xc3", b"<", b">", b"&", b"&amp", b"]]>", b"<!--", b"\xe2\x80\x99",
         b'"', b"<!DOCTYPE x>", b"<!ENTITY a 'b'>", b"&lol;", b"\r", b"\t", b"<?pi?>", b"<p>"]


def delete_element(text: str, rng: random.Random) -> str:
    m = _pick(_ELEMENT, text, rng)
    return text[:m.start()] + text[m.end():] if m else text


def duplicate_element(text: str, rng: random.Random) -> str:
    m = _pick(_ELEMENT, text, rng)
    return text[:m.end()] + m.group() + text[m.end():] if m else text


def swap_elements(text: str, rng: random.Random) -> str:
    found = list(_ELEMENT.finditer(text))
    if len(found) < 2:
        return text
    a, b = sorted(rng.sample(found, 2), key=lambda m: m.start())
    if a.end() > b.start():
        return text
    return text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():]


def delete_attribute(text: str, rng: random.Random) -> str:
    m = _pick(_ATTRIBUTE, text, rng)
    return text[:m.start()] + text[m.end():] if m else text


def duplicate_attribute(text: str, rng: random.Random) -> str:
    m = _pick(_ATTRIBUTE, text, rng)
    return text[:m.end()] + m.group() + text[m.end():] if m else text


def swap_attributes(text: str, rng: random.Random) -> str:
    found = list(_ATTRIBUTE.finditer(text))
    if len(found) < 2:
        return text
    a, b = sorted(rng.sample(found, 2), key=lambda m: m.start())
    return text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():]


def break_id(text: str, rng: random.Random) -> str:
    m = _pick(_ID, text, rng)
    if not m:
        return text
    broken = rng.choice(["", m["id"] + "x", m["id"][:-1], "1" + m["id"], m["id"] + " x", "#" + m["id"]])
    return text[:m.start("id")] + broken + text[m.end("id"):]


def truncate(text: str, rng: random.Random) -> str:
    return text[:rng.randrange(len(text))]


MUTATIONS = (delete_element, duplicate_element, swap_elements, delete_attribute,
             duplicate_attribute, swap_attributes, break_id, truncate)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations of the text, or bytes injected at a random place."""
    if rng.random() < 0.15:
        at = rng.randrange(len(data))
        return data[:at] + rng.choice(_JUNK) + data[at:]
    text = data.decode("utf-8")
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(MUTATIONS)(text, rng)
    return text.encode("utf-8")


def _pick(pattern: re.Pattern, text: str, rng: random.Random):
    found = list(pattern.finditer(text))
    return rng.choice(found) if found else None
