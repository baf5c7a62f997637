"""Field paths: where a value sits in a config, as a tuple of keys and the text a message shows."""

from __future__ import annotations

import re

PathKey = tuple[str | int, ...]
"""A field's place in a config: mapping keys and list indices, e.g. ``("referrals", 0, "tie")``."""

_PLAIN_KEY = re.compile(r"^[^\s.:\[\]'\"\\]+$")


def dotted(path: PathKey) -> str:
    """``("referrals", 0, "tie")`` as ``referrals[0].tie``; a key that could not be read back from that text
    (empty, with a space, a dot, a colon or an invisible character) is shown quoted and escaped, ``["my bed"]``,
    so that a problem always stays on one line."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part) and part.isprintable():
            out += f".{part}" if out else part
        else:
            out += "[" + ascii(part).replace(" ", "\\x20") + "]"
    return out
