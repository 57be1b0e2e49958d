"""Canvas: one QTI package per student (``canvas/<id>.zip``), written by text2qti.

text2qti (the ``teach`` extra) turns a plain-text quiz into the QTI 1.2 package
Canvas imports: one numerical question per asked quantity, the student's given
values in the quiz description, the working as each question's feedback. Two
things are set after text2qti has parsed the quiz, on its own records, because
its text format cannot say them:

- the bounds of each answer, ``value ± tolerance`` in full precision: text2qti
  writes numbers with 4 decimals and refuses magnitudes below 10⁻⁴, which would
  turn 0.004150 ± 0.000001 into 0.0042 ± 0;
- identifiers unique to the student (text2qti derives them from the text, the
  same for every student), so that importing one student's quiz never replaces
  another's questions in Canvas's question bank.

Parsing the quiz once per class and filling in each student keeps a class of
300 fast. The zip members are those text2qti writes, with a fixed date.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from glassnet.errors import GlassnetError
from glassnet.teach.questions import given, plain, questions
from glassnet.teach.spec import Spec
from glassnet.teach.variants import Variant

#: The date of every zip member: the same quiz, the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MISSING = "the Canvas format needs text2qti: pip install 'glassnet[teach]'"


def available() -> bool:
    """Whether text2qti (the ``teach`` extra) is installed."""
    return importlib.util.find_spec("text2qti") is not None


def template(spec: Spec, labels: list[str]) -> str:
    """The text2qti source every student's quiz is parsed from: the questions and
    placeholder answers and feedback (set per student by ``student_package``)."""
    lines = [f"Quiz title: {_one_line(spec.title)}", "Quiz description: -", ""]
    for number, label in enumerate(labels, 1):
        lines += [f"{number}.  What is `{label}`?", "... -", "=   1 +- 0.5", ""]
    return "\n".join(lines)


def parse_template(spec: Spec, labels: list[str]) -> Any:
    """text2qti's ``Quiz`` of the template."""
    if not available():
        raise GlassnetError(MISSING)
    try:
        from text2qti.config import Config
        from text2qti.quiz import Quiz
    except ImportError:
        raise GlassnetError(MISSING) from None
    return Quiz(template(spec, labels), config=Config(), source_name="glassnet exercises")


def student_package(quiz: Any, spec: Spec, variant: Variant, asked: list[str]) -> bytes:
    """The QTI zip of one student: ``quiz`` (the parsed template) filled with their numbers."""
    from text2qti.qti import QTI
    from text2qti.quiz import Question

    found = questions(variant, asked, spec.ask)
    items = [q for q in quiz.questions_and_delims if isinstance(q, Question)]
    assert len(items) == len(found)
    key = f"{spec.seed}\0{variant.student}"
    quiz.id = _digest(f"quiz\0{key}")
    quiz.title_xml = escape(f"{spec.title} — {variant.student}")
    quiz.description_html_xml = escape(_description(spec, variant))
    for number, (item, question) in enumerate(zip(items, found, strict=True)):
        item.id = _digest(f"question\0{key}\0{number}")
        low, high = question.value - question.tolerance, question.value + question.tolerance
        item.numerical_exact_html_xml = plain(question.value)
        item.numerical_min_html_xml = plain(low)
        item.numerical_max_html_xml = plain(high)
        item.feedback_html_xml = escape(f"<p>{html.escape(question.working)}</p>")
    return zip_package(QTI(quiz))


def zip_package(qti: Any) -> bytes:
    """The members ``QTI.write`` writes, in its order, each dated ``ZIP_DATE``."""
    ident = qti.assessment_identifier
    members = [
        ("imsmanifest.xml", qti.imsmanifest_xml),
        ("non_cc_assessments/", ""),
        (f"{ident}/assessment_meta.xml", qti.assessment_meta),
        (f"{ident}/{ident}.xml", qti.assessment),
    ]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return stream.getvalue()


def _description(spec: Spec, variant: Variant) -> str:
    """The quiz description's HTML: the instructions and the student's given values."""
    values = ", ".join(f"<code>{html.escape(g.label)}</code> = {g.text}" for g in given(variant))
    parts = [f"<p>{html.escape(spec.instructions)}</p>"] if spec.instructions else []
    parts.append(f"<p>Given: {values}.</p>")
    parts.append(f"<p>Give each value to {spec.ask.digits} significant digits.</p>")
    return "\n".join(parts)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8")).hexdigest()[:64]


def _one_line(text: str) -> str:
    return " ".join(text.split())
