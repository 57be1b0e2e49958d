"""The class summary of a grading: which steps most students got wrong, and which mistakes.

``summary.md`` is what a teacher goes over in class: per asked quantity, how
many students got it wrong, too coarse or left it out, and for how many it was
the first wrong step; then each named mistake with the number of students whose
answers it reproduces. ``summary.png`` draws the same two counts (with the
``plot`` extra, matplotlib).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from glassnet.atomic import atomic_path
from glassnet.teach.grade import COARSE, MISSING, NOT_A_NUMBER, WRONG, Grade

#: What to tell the user when matplotlib is not installed.
MISSING_PLOT = "summary.png skipped: matplotlib is missing; pip install 'glassnet[plot]'"


def counts(grades: list[Grade], asked: list[str]) -> dict[str, Counter[str]]:
    """Per asked quantity, how many graded students had each status."""
    return {key: Counter(g.status[key] for g in grades if g.graded) for key in asked}


def mistakes(grades: list[Grade]) -> Counter[str]:
    """How many graded students made each named mistake."""
    return Counter(g.mistake for g in grades if g.graded and g.mistake)


def summary_md(title: str, grades: list[Grade], asked: list[str]) -> str:
    """The Markdown summary of a class's grades."""
    graded = [g for g in grades if g.graded]
    mean = sum(g.score for g in graded) / len(graded) if graded else 0.0
    perfect = sum(g.score == 1 for g in graded)
    lines = [
        f"# {title}: class summary",
        "",
        f"{len(graded)} students graded; mean score {mean:.3f}; {perfect} with every answer right.",
        "",
        "## Steps most students got wrong",
        "",
        "| quantity | wrong | first wrong step | too coarse | missing or not a number |",
        "|---|---:|---:|---:|---:|",
    ]
    by_key = counts(grades, asked)
    first = Counter(g.first_wrong for g in graded if g.first_wrong)
    order = sorted(asked, key=lambda k: (-by_key[k][WRONG], -first[k], asked.index(k)))
    for key in order:
        c = by_key[key]
        absent = c[MISSING] + c[NOT_A_NUMBER]
        lines.append(f"| `{key}` | {c[WRONG]} | {first[key]} | {c[COARSE]} | {absent} |")
    lines += ["", "## Mistakes named", ""]
    named = mistakes(grades)
    if named:
        lines += ["| mistake | students |", "|---|---:|"]
        lines += [f"| {name} | {n} |" for name, n in named.most_common()]
    else:
        lines.append("No answers were reproduced by a known mistake.")
    unexplained = sum(1 for g in graded if g.first_wrong and not g.mistake)
    if unexplained:
        lines += ["", f"{unexplained} students made a wrong step no known mistake reproduces."]
    return "\n".join(lines) + "\n"


def plot_summary(grades: list[Grade], asked: list[str], path: Path) -> Path | None:
    """Wrong answers per quantity and students per mistake, as a PNG; ``None`` without
    matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    by_key = counts(grades, asked)
    named = mistakes(grades).most_common(8)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(3.0, 0.3 * len(asked))))
    left.barh(asked[::-1], [by_key[k][WRONG] for k in asked[::-1]], color="#c0392b")
    left.set_title("students with a wrong answer")
    labels = [_short(name) for name, _ in named][::-1]
    right.barh(labels, [n for _, n in named][::-1], color="#2c3e50")
    right.set_title("students per named mistake")
    for ax in (left, right):
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    with atomic_path(path) as temporary:
        # PNG metadata without the date and the Matplotlib version: the same grades, the same file.
        fig.savefig(temporary, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
