"""A standalone LaTeX document, for handouts and slides; it compiles with ``pdflatex``.

The same content, in the same order, as the terminal explanation: a title,
the source, a TikZ figure of the network (each neuron by name, each edge with
its weight's name and value; layers as boxes when the network is too large to
draw neuron by neuron), then a section per stage with each block's steps in an
``align*`` environment, long steps one ``=`` per row.

Only packages of a minimal TeX installation are used (Debian:
``texlive-latex-base``, ``texlive-latex-recommended``, ``texlive-pictures``):
``geometry``, ``amsmath``, ``amssymb``, ``tikz`` and ``hyperref``, with the
default fonts. Every user-supplied string is escaped (``escape_latex_text``),
so a title such as ``\\input{/etc/passwd}`` is printed, never executed.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> tex = render_latex(explain_example(load_example("mazur")))
>>> tex.startswith(r"\\documentclass") and tex.rstrip().endswith(r"\\end{document}")
True
"""

from __future__ import annotations

import re
from itertools import pairwise

from glassnet.explanation import Explanation, Section, Step
from glassnet.explanation.model import Rich
from glassnet.formula import Matrix, Sym
from glassnet.render.tex import (
    ROW_WIDTH,
    TexFormatter,
    equation_rows,
    escape_latex_text,
    is_array,
    plain_width,
    rich_tex,
)

PREAMBLE = r"""\documentclass[a4paper,10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{tikz}
% No PDF bookmarks: their file would need a second pdflatex run; one run is complete.
\usepackage[hidelinks,bookmarks=false]{hyperref}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6ex}
\setlength{\jot}{4pt}
% The default bullet is drawn from a font that only exists as a bitmap in a minimal TeX.
\renewcommand{\labelitemi}{$\bullet$}
\begin{document}
"""

#: A URL that ``\url`` prints as it is, outside any macro argument.
SAFE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?@!$&'()*+,;=%#\[\]]+")

#: Label the edges with their weights (and neurons with their biases) only when every pair of
#: layers has at most this many edges: beyond 2 x 2 the edges cross and the labels overlap.
#: Larger networks get a clean figure and the weights in a table.
MAX_LABELLED_EDGES = 4
#: Draw neuron by neuron up to this many neurons in a layer (as the explanation does).
MAX_DRAWN_NEURONS = 12


# -- the figure ----------------------------------------------------------------


def neuron_figure(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    """Every input and neuron as a circle, every weight as an edge with its name and value."""
    trace = explanation.trace
    names = trace.network.names
    sizes = trace.network.sizes
    single = trace.n_samples == 1
    dx, dy = spacing(sizes)
    labelled = labels_fit(explanation)
    lines = [
        r"\begin{tikzpicture}[>=stealth,",
        r"  unit/.style={circle, draw, thick, minimum size=9mm, inner sep=1pt, font=\small},",
        r"  input/.style={unit, fill=black!6}, neuron/.style={unit, fill=blue!8},",
        r"  weight/.style={font=\scriptsize, fill=white, inner sep=1pt, sloped},",
        r"  value/.style={font=\scriptsize}]",
    ]

    def y(n: int, j: int) -> float:
        return round(((n - 1) / 2 - j) * dy, 3)

    for i in range(sizes[0]):
        label = f", label={{[value]left:{{${fmt.number(trace.inputs[0, i])}$}}}}" if single else ""
        name = fmt.name(names.input(i))
        lines.append(rf"\node[input{label}] (n0-{i}) at (0, {y(sizes[0], i)}) {{${name}$}};")
    for lt in trace.layers:
        k, n = lt.index + 1, lt.out.shape[1]
        last = k == len(trace.layers)
        for j in range(n):
            labels = []
            if labelled and lt.bias is not None and lt.bias.ndim == 1:
                bias = fmt(Sym(names.bias(lt.index, j)))
                labels.append(f"[value]above:{{${bias} = {fmt.number(lt.bias[j])}$}}")
            if last and single:
                target = fmt(Sym("target", names.neuron(lt.index, j)))
                labels.append(f"[value]right:{{${target} = {fmt.number(trace.targets[0, j])}$}}")
            options = "".join(f", label={{{label}}}" for label in labels)
            name = fmt.name(names.neuron(lt.index, j))
            lines.append(
                rf"\node[neuron{options}] (n{k}-{j}) at ({k * dx:g}, {y(n, j)}) {{${name}$}};"
            )
        if labelled and lt.bias is not None and lt.bias.ndim == 0:
            bias = fmt(Sym(names.bias(lt.index)))
            lines.append(
                rf"\node[value] at ({k * dx:g}, {y(n, n - 1) - 0.9:g}) "
                rf"{{${bias} = {fmt.number(float(lt.bias))}$ (shared)}};"
            )
        n_in = lt.weights.shape[1]
        for j in range(n):
            for i in range(n_in):
                label = ""
                if labelled:
                    pos = 0.3 + 0.4 * i / max(1, n_in - 1)
                    w = fmt(Sym(names.weight(lt.index, j, i)))
                    label = f"node[weight, pos={pos:g}] {{${w} = {fmt.number(lt.weights[j, i])}$}} "
                lines.append(rf"\draw[->] (n{k - 1}-{i}) -- {label}(n{k}-{j});")
    lines.append(r"\end{tikzpicture}")
    return lines


def spacing(sizes: list[int]) -> tuple[float, float]:
    """Centimetres between the figure's columns of neurons, and between neurons of a column."""
    return min(4.5, 11.0 / (len(sizes) - 1)), min(2.2, 11.0 / max(1, max(sizes) - 1))


def labels_fit(explanation: Explanation) -> bool:
    """Whether every edge of the figure can carry its weight's name and value legibly: few
    edges between two layers, and edges long enough (at most three weight layers)."""
    sizes = explanation.trace.network.sizes
    few = all(a * b <= MAX_LABELLED_EDGES for a, b in pairwise(sizes))
    return few and spacing(sizes)[0] >= 3.5


def weight_tables(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    """Each layer's weights and biases as a table: a row per neuron, a column per input."""
    trace = explanation.trace
    names = trace.network.names
    lines = [
        r"\begin{table}[!ht]",
        r"\centering",
        r"\caption{The weights and biases before the update, layer by layer: a row per neuron, "
        r"a column per input it receives.}",
    ]
    for lt in trace.layers:
        n, n_in = lt.weights.shape
        sources = [
            names.input(i) if lt.index == 0 else names.neuron(lt.index - 1, i) for i in range(n_in)
        ]
        has_bias = lt.bias is not None
        columns = "l|" + "c" * n_in + ("|c" if has_bias else "")
        title = escape_latex_text(names.layer(lt.index))
        header = [f"${fmt.name(x)}$" for x in sources] + (["bias"] if has_bias else [])
        rows = [
            rf"\multicolumn{{{1 + n_in + has_bias}}}{{l}}{{\textbf{{{title}}}}} \\",
            " & ".join(["from", *header]) + r" \\ \hline",
        ]
        for j in range(n):
            cells = [f"${fmt.name(names.neuron(lt.index, j))}$"]
            for i in range(n_in):
                w = fmt(Sym(names.weight(lt.index, j, i)))
                cells.append(f"${w} = {fmt.number(lt.weights[j, i])}$")
            if lt.bias is not None:
                shared = lt.bias.ndim == 0
                b = fmt(Sym(names.bias(lt.index) if shared else names.bias(lt.index, j)))
                value = float(lt.bias) if shared else lt.bias[j]
                cells.append(f"${b} = {fmt.number(value)}$" + (" (shared)" if shared else ""))
            rows.append(" & ".join(cells) + r" \\")
        lines += [
            r"\medskip",
            r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%",
            rf"\begin{{tabular}}{{{columns}}}",
            *rows,
            r"\end{tabular}}",
            r"\par",
        ]
    return [*lines, r"\end{table}"]


def layer_figure(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    """Each layer as a box with its size, each weight matrix as an arrow with its shape."""
    network = explanation.trace.network
    lines = [
        r"\begin{tikzpicture}[>=stealth,",
        r"  layer/.style={draw, thick, rounded corners, align=center, minimum height=14mm,",
        r"    minimum width=22mm, font=\small, fill=blue!8}]",
        rf"\node[layer, fill=black!6] (L0) at (0, 0) {{inputs\\ ${network.sizes[0]}$}};",
    ]
    for k, layer in enumerate(network.layers, start=1):
        title = escape_latex_text(network.names.layer(k - 1))
        what = escape_latex_text(layer.activation.name)
        lines.append(
            rf"\node[layer] (L{k}) at ({4.2 * k:g}, 0) {{{title}\\ ${layer.n_neurons}$ {what}}};"
        )
        shape = rf"{layer.n_neurons} \times {layer.n_inputs}"
        lines.append(
            rf"\draw[->, thick] (L{k - 1}) -- node[above, font=\scriptsize] "
            rf"{{${fmt(Matrix('W', k))}$}} node[below, font=\scriptsize] {{${shape}$}} (L{k});"
        )
    lines.append(r"\end{tikzpicture}")
    return lines


def render_figure(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    tables: list[str] = []
    if max(explanation.trace.network.sizes) > MAX_DRAWN_NEURONS:
        picture = layer_figure(explanation, fmt)
        caption = "The network by layer, with the shape of each weight matrix."
    elif labels_fit(explanation):
        picture = neuron_figure(explanation, fmt)
        caption = "The network before the update: each edge carries its weight's name and value."
    else:
        picture = neuron_figure(explanation, fmt)
        caption = "The network; its weights and biases before the update are in Table 1."
        tables = weight_tables(explanation, fmt)
    return [
        r"\begin{figure}[!ht]",
        r"\centering",
        # Shrunk to the text width if wider, so that the figure never runs off the page.
        r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%",
        *picture,
        "}",
        rf"\caption{{{caption}}}",
        r"\end{figure}",
        *tables,
    ]


# -- the text ------------------------------------------------------------------


def render_header(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    """Title, source, description and the network, as the terminal's first lines."""
    trace = explanation.trace
    network = trace.network
    lines = []
    title = []
    if explanation.title:
        title.append(rf"{{\LARGE {escape_latex_text(explanation.title)}\par}}")
    if explanation.source:
        title.append(rf"{{\large {escape_latex_text(explanation.source)}\par}}")
    if explanation.url:
        url = explanation.url.strip()
        shown = rf"\url{{{url}}}" if SAFE_URL.fullmatch(url) else escape_latex_text(url)
        title.append(rf"{{\small {shown}\par}}")
    if title:
        lines += [r"\begin{center}", *title, r"\end{center}"]
    if explanation.description:
        lines += ["", escape_latex_text(explanation.description)]
    layers = ", ".join(
        f"{network.names.layer(k)} {layer.activation.name}"
        for k, layer in enumerate(network.layers)
    )
    sizes = "-".join(str(n) for n in network.sizes)
    n = trace.n_samples
    loss = escape_latex_text(network.loss.name)
    lines += [
        "",
        r"\begin{itemize}",
        rf"\item network {sizes}: {escape_latex_text(layers)}",
        rf"\item loss {loss}, {network.batch_reduction} over {n} sample{'s' if n > 1 else ''}; "
        rf"learning rate $\eta = {fmt.number(trace.learning_rate)}$",
        r"\end{itemize}",
    ]
    if explanation.matrix_form:
        lines.append(r"\emph{(too large to show neuron by neuron: shown per layer in matrix form)}")
    return lines


def rich_latex(plain: str, parts: Rich, fmt: TexFormatter) -> str:
    """A title or an introduction, its formulas as math (``plain`` when it has none)."""
    return rich_tex(parts, fmt, escape_latex_text) if parts else escape_latex_text(plain)


def render_steps(steps: list[Step], fmt: TexFormatter) -> list[str]:
    """Steps as one ``align*``, their ``=`` signs aligned."""
    rows = []
    for step in steps:
        step_rows = [f"{left} &{right}".lstrip() for left, right in equation_rows(step, fmt)]
        if step.note:
            note = rf"\text{{({escape_latex_text(step.note)})}}"
            fits = len(step_rows) == 1 and not is_array(step.value)
            if fits and plain_width(step, fmt) + len(step.note) + 4 <= ROW_WIDTH:
                step_rows[-1] += rf" \quad {note}"
            else:
                step_rows.append(rf"&\qquad {note}")
        rows += step_rows
    return [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]


def render_given(section: Section, fmt: TexFormatter) -> list[str]:
    """Given values, a paragraph per block; arrays (matrix form) as displays."""
    lines = []
    for block in section.blocks:
        lines += ["", rf"\subsection*{{{escape_latex_text(block.title)}}}"]
        items = []
        arrays = [step for step in block.steps if is_array(step.value)]
        for step in block.steps:
            if is_array(step.value):
                continue
            item = f"${fmt(step.lhs)} = {fmt.number(float(step.value))}$"
            if step.note:
                item += f" ({escape_latex_text(step.note)})"
            items.append(item)
        if items:
            lines.append("{\\raggedright\n" + ",\\quad\n".join(items) + "\\par}")
        if arrays:
            lines += render_steps(arrays, fmt)
    return lines


def render_latex(explanation: Explanation, *, digits: int = 9) -> str:
    """The whole explanation as a LaTeX document."""
    fmt = TexFormatter(digits, target="latex")
    lines = [PREAMBLE.rstrip("\n"), *render_header(explanation, fmt)]
    lines += ["", *render_figure(explanation, fmt)]
    for section in explanation.sections:
        lines += ["", rf"\section*{{{escape_latex_text(section.title)}}}"]
        if section.intro:
            lines.append(rich_latex(section.intro, section.intro_math, fmt))
        if section.kind == "given":
            lines += render_given(section, fmt)
            continue
        for block in section.blocks:
            title = rich_latex(block.title, block.title_math, fmt)
            lines += ["", rf"\subsection*{{{title}}}", *render_steps(block.steps, fmt)]
    lines += ["", r"\end{document}"]
    return "\n".join(lines) + "\n"
