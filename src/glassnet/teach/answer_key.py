"""The class answer key: one row per student, one column per asked quantity.

``answer-key.csv`` holds the exact values (the shortest text that reads back as
the engine's float), for a script or a spreadsheet; the LaTeX answer-key table
(``glassnet.teach.latex``) shows them at the asked digits.
"""

from __future__ import annotations

import csv
import io

from glassnet.teach.questions import plain
from glassnet.teach.variants import Variant


def answer_key_csv(variants: list[Variant], asked: list[str]) -> str:
    """``student,KEY1,KEY2,…`` then one row of exact values per variant."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *asked])
    for variant in variants:
        values = variant.values(asked)
        writer.writerow([variant.student, *(plain(values[k]) for k in asked)])
    return out.getvalue()
