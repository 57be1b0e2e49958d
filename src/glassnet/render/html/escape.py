"""Text made safe for HTML: element text and attribute values, and JSON inside ``<script>``."""

from __future__ import annotations

from html import escape
from typing import Any

from glassnet import jsonfile


def esc(text: object) -> str:
    """``str(text)`` with ``<``, ``>``, ``&`` and both quotes escaped, for text and attributes."""
    return escape(str(text), quote=True)


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>`` and ``&`` become ``\\u003c``…

    NaN and infinities (a diverged update) become ``null``: their text is already in the labels.

    >>> script_json({"t": "</script>", "v": float("nan")})
    '{"t":"\\\\u003c/script\\\\u003e","v":null}'
    """
    text = jsonfile.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
