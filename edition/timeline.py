"""The chronology's two drawings, made at build time as inline SVG (no script).

``timeline`` places the events on a line of days; ``channels`` draws who sent
what to whom: the DRV, the White House, Hood and the Chinese side. Both are figures with a
text equivalent on the same page: each drawing is a group labelled by its
visible caption, whose links carry the names of what they link to.
"""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from .model import Channel, Event

DAY = dt.timedelta(days=1)


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def _short(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def timeline(events: list[Event], hrefs: dict[str, str], label_id: str, width: int = 260) -> Markup:
    """Events on a line of days running down the drawing, from the first of the first month to the
    last day shown: narrow enough to be drawn at full size on a phone, tall enough to tell the days
    apart. Each event's number stands in one column beside the line, on its day's level or, where
    events crowd, just below the number before it, with a leader to its day, so no two collide."""
    first = min(_day(e.start) for e in events).replace(day=1)
    last = max(_day(e.end) for e in events) + DAY
    per_day, top, axis, gap = 7, 16, 96, 17  # gap: from one number's baseline to the next
    label_x = axis + 36

    def y(day: dt.date) -> int:
        return top + per_day * (day - first).days

    parts = [f'<line class="axis" x1="{axis}" y1="{top}" x2="{axis}" y2="{y(last)}"/>']
    day = first
    while day <= last:  # a tick on the 1st and the 15th of each month, with its date
        if day.day in (1, 15):
            year = f", {day.year}" if (day.day == 1 and day.month == 1) or day == first else ""
            parts.append(f'<line class="tick" x1="{axis - 5}" y1="{y(day)}" x2="{axis + 5}" y2="{y(day)}"/>'
                         f'<text class="tick-label" x="{axis - 10}" y="{y(day) + 4}">{escape(_short(day))}{year}</text>')
        day += DAY
    below = top - gap  # the baseline of the last number placed
    order = sorted(range(len(events)), key=lambda i: (events[i].start, i))
    for i in order:
        event, number = events[i], i + 1
        start, end = y(_day(event.start)), y(_day(event.end))
        baseline = max(start + 4, below + gap)
        below = baseline
        mark = (f'<rect class="span" x="{axis - 3}" y="{start}" width="6" height="{end - start}"/>'
                if end > start else "")
        shape = "proposed" if event.proposed else "event"
        shown = f"{number} {_short(_day(event.start))}"
        name = f"{shown}: {' '.join(event.label.itertext())}"  # begins with what is shown
        parts.append(
            f'<a href="{escape(hrefs[event.id])}" aria-label="{escape(name)}">{mark}'
            f'<polyline class="stem" points="{axis},{start} {axis + 14},{start} {label_x - 6},{baseline - 4}"/>'
            f'<circle class="{shape}" cx="{axis}" cy="{start}" r="4"/>'
            f'<text class="event-number" x="{label_x}" y="{baseline}">{number} '
            f'<tspan class="event-day" dx="2">{escape(_short(_day(event.start)))}</tspan></text></a>')
    height = max(y(last), below) + top
    return Markup(
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="group" aria-labelledby="{label_id}">' + "".join(parts) + "</svg>")


#: The parties the messages went between, left to right, with the short label each lane shows.
#: They are parties, not places: where Hood was, the sources do not say.
LANES = (("org-drv", "DRV"), ("org-white-house", "White House"), ("person-hood", "Hood"),
         ("org-chinese-leadership", "Chinese side"))


def channel_day(message: Channel) -> str:
    """How a message's day is shown: "Dec 22", or "after Dec 22" where only that is known."""
    day = _short(_day(message.when))
    return f"after {day}" if message.after else day


#: The channels' geometry, in drawing units: the labels stand in a column of their own,
#: right-aligned before the lanes, so that no label crosses a lane. 576 units fill the 343 px
#: of a 375 px phone, where the CSS's 21-unit text is drawn at 12.5 px.
LABELS_END, FIRST_LANE, LANE_GAP, ROW = 240, 258, 80, 34


def channels(messages: list[Channel], names: dict[str, str], hrefs: dict[str, str], label_id: str,
             width: int = 576) -> Markup:
    """One row a message: its day and document, then an arrow from the sender's lane to the receiver's."""
    lane_x = {lane: FIRST_LANE + LANE_GAP * i for i, (lane, _) in enumerate(LANES)}
    top = 76
    height = top + ROW * len(messages)
    parts = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>'
    ]
    for i, (lane, label) in enumerate(LANES):
        x = lane_x[lane]  # the names of neighbouring lanes stand on two rows, so that none overlap
        parts.append(f'<text class="lane-label" x="{x}" y="{20 + 24 * (i % 2)}">{escape(label)}</text>'
                     f'<line class="lane" x1="{x}" y1="{52 - 24 * ((i + 1) % 2)}" x2="{x}" y2="{height - 6}"/>')
    for i, message in enumerate(messages):
        y = top + ROW * i
        x1, x2 = lane_x[message.sender], lane_x[message.receiver]
        inset = 5 if x2 > x1 else -5
        # An arrow that passes another party's lane goes over it, not to it: the lane is broken under it.
        passed = [x for x in lane_x.values() if min(x1, x2) < x < max(x1, x2)]
        parts += [f'<rect class="lane-gap" x="{x - 4}" y="{y - 6}" width="8" height="12"/>' for x in passed]
        shown = f"{channel_day(message)}: {document_label(message.source)}"
        name = f"{shown}, {names[message.sender]} to {names[message.receiver]}"  # begins with what is shown
        parts.append(
            f'<a href="{escape(hrefs[message.id])}" aria-label="{escape(name)}">'
            f'<text class="message-label" x="{LABELS_END}" y="{y + 6}">{escape(shown)}</text>'
            f'<line class="message" x1="{x1 + inset}" y1="{y}" x2="{x2 - inset}" y2="{y}" marker-end="url(#arrow)"/></a>')
    return Markup(
        f'<svg class="channels" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="group" aria-labelledby="{label_id}">' + "".join(parts) + "</svg>")


def document_label(url: str) -> str:
    """'…/frus1969-76ve13/d170' -> 'E–13 d170'; '…/frus1969-76v09/d185' -> 'IX d185'."""
    volume, document = url.rstrip("/").split("/")[-2:]
    names = {"frus1969-76ve13": "E–13", "frus1969-76v09": "IX", "frus1969-76v42": "XLII"}
    return f"{names.get(volume, volume)} {document}"

