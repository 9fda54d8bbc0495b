"""Wire-style datelines: "KABUL, Feb 28 (Reuters) - An explosion ...".

A dateline says where and when the story was filed, not who did what: the parser, left alone, reads
"KABUL" as the subject of the first verb. Finding the dateline on the raw text (before parsing) lets the
layout component end a sentence after it, so its place and date never become an event's arguments.
Only paragraph starts are looked at, and the place must be in capitals: cheap and hard to mistake.
"""

from __future__ import annotations

import re

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Z'’.]+(?:[ -][A-Z][A-Z'’.]+){0,3})"  # KABUL, DERA ISMAIL KHAN, N'DJAMENA
    r"(?:,\s*[A-Z][\w.’']+(?:\s[A-Z][\w.’']+){0,2})?"  # , Pakistan / , Afghanistan
    r"(?:,?\s*" + _MONTH + r"\s+\d{1,2}(?:,\s*\d{4})?)?"  # , Feb 28 / , March 3, 2023
    r"(?:\s*\([A-Z][\w .&’'-]{1,40}\))?"  # (Reuters)
    r"\s*[-–—]{1,2}\s+"  # the dash that ends it
    r"(?=[A-Z0-9\"“‘])"  # and a sentence begins
)
_MAX_LEN = 90


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of datelines at the start of the text or of a line; end is where
    the story's first sentence begins."""
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        start = pos
        while start < n and text[start] in " \t\r":
            start += 1
        m = _DATELINE.match(text, start, min(n, start + _MAX_LEN + 1))
        if m is not None and len(m.group("place").replace(" ", "")) >= 3:
            out.append((start, m.end()))
        nl = text.find("\n", pos)
        if nl == -1:
            break
        pos = nl + 1
    return out
