"""The page: a self-contained document (or notebook ``<div>``) with its CSP and its data.

Everything is inline (CSS and JavaScript from ``glassnet/render/assets/``, the
data as JSON) and a Content-Security-Policy that allows only those two, by
hash, so the page makes no request of any kind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

from glassnet.claims import MIN_DIGITS
from glassnet.example import Example
from glassnet.explanation import Explanation
from glassnet.fast.compiled import parameters
from glassnet.fast.javascript import (
    UnsupportedError,
    choices,
    js_string,
    live_functions,
    trainable,
)
from glassnet.live import edit_data, slots
from glassnet.render.html.derivation import derivations, param_names
from glassnet.render.html.diagram import DIAGRAM_DIGITS, Diagram
from glassnet.render.html.drawing import diagram_scales, draw
from glassnet.render.html.escape import esc, script_json
from glassnet.render.html.steps import Steps
from glassnet.render.html.training import Training
from glassnet.render.html.walk import Walk
from glassnet.render.mathml import format_significant

if TYPE_CHECKING:
    from glassnet.trace import Trace


#: The document's own frame; a notebook keeps its own (``glassnet.css`` styles only the view).
#: The backgrounds are ``--gn-bg``, so dark mode has no light frame around the view.
_DOCUMENT_CSS = (
    "html { color-scheme: light dark; background: #ffffff; }\n"
    "@media (prefers-color-scheme: dark) { html { background: #14171d; } }\n"
    "body { margin: 0; }\n"
)


#: The live page's parts (``assets/``), each registering a plugin of the view that
#: ``glassnet.js`` creates (see its header); only pages with a generated step carry them.
LIVE_ASSETS: tuple[str, ...] = ("edit.js", "answer.js", "train.js")


#: Training on the page (``train_controls``): the updates a run makes by default, the most
#: it may make, and the speeds (updates a second, ``s``, or an animation frame, ``f``).
TRAIN_STEPS = 10_000
TRAIN_MAX_STEPS = 1_000_000
TRAIN_SPEEDS: tuple[tuple[str, str], ...] = (
    ("s1", "1 update a second"),
    ("s4", "4 updates a second"),
    ("s15", "15 updates a second"),
    ("f1", "1 update a frame (about 60 a second)"),
    ("f10", "10 updates a frame"),
    ("f100", "100 updates a frame"),
    ("f1000", "1,000 updates a frame"),
    ("f10000", "10,000 updates a frame"),
)
TRAIN_SPEED = "f1000"


def render_html(
    explanation: Explanation, *, digits: int = 9, history: Sequence[Trace] | None = None
) -> str:
    """The explanation as a complete, self-contained HTML document."""
    page = _Page(explanation, digits=digits, history=history, prefix="gn", keys="page")
    css, js = _asset("glassnet.css") + _DOCUMENT_CSS, page.script()
    title = explanation.title or "One backpropagation update"
    csp = (
        "default-src 'none'; "
        f"script-src '{_sha256(js)}'; style-src '{_sha256(css)}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)} · glassnet</title>\n"
        f"<style>{css}</style>\n</head>\n<body>\n"
        f"{page.body()}\n<script>{js}</script>\n</body>\n</html>\n"
    )


def render_fragment(
    explanation: Explanation, *, digits: int = 9, history: Sequence[Trace] | None = None
) -> str:
    """The same view as one ``<div>`` with its style and script, for a notebook cell.

    The arrow keys step only while the focus is inside the view, so several
    views in one notebook do not all move at once.
    """
    prefix = "gn" + uuid.uuid4().hex[:8]
    page = _Page(explanation, digits=digits, history=history, prefix=prefix, keys="local")
    return (
        f"<style>{_asset('glassnet.css')}</style>\n{page.body()}\n"
        f"<script>{page.script()}</script>\n"
    )


def notebook_markdown(explanation: Explanation, *, digits: int = 9) -> str:
    """Markdown for notebooks that do not show HTML; plain text in a code block without it."""
    try:
        from glassnet.render.markdown import render_markdown
    except ImportError:
        from glassnet.render.text import render_text

        return "```text\n" + render_text(explanation, digits=digits) + "```\n"
    return str(render_markdown(explanation, digits=digits))


def _asset(name: str) -> str:
    return resources.files("glassnet.render").joinpath("assets", name).read_text("utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


class _Page:
    """Builds the view of one explanation; ``prefix`` keeps its element ids unique."""

    def __init__(
        self,
        explanation: Explanation,
        *,
        digits: int,
        history: Sequence[Trace] | None,
        prefix: str,
        keys: str,
    ):
        self.explanation = explanation
        self.digits = digits
        self.prefix = prefix
        self.keys = keys
        self.diagram = Diagram.of(explanation.trace.network)
        self.steps = Steps(explanation, digits=digits, prefix=prefix)
        self.walk = Walk(explanation, self.diagram, self.steps, digits=digits)
        self.scales = diagram_scales([explanation.trace, *(history or [])])
        self.training = (
            Training(history, self.walk, self.scales, digits=digits, prefix=prefix)
            if history
            else None
        )
        self.stops = self.walk.stops()
        # Room on the diagram for the longest text it will show at any step or slider position.
        shown = self.walk.given_sets() + [x for stop in self.stops for x in stop.sets]
        if self.training and self.training.sets:
            shown += [x for sets in self.training.sets for x in sets]
        self.diagram.fit(shown)
        self.step_source = self.generated_step()

    def generated_step(self) -> str | None:
        """The JavaScript of this update and, where ``generated_train``, its training loop
        (``glassnet.fast.javascript.live_functions``: ``{step, train}``); None in matrix form."""
        if self.explanation.matrix_form:
            return None
        trace = self.explanation.trace
        try:
            return live_functions(trace.network, trace.n_samples, train=self.generated_train())
        except (UnsupportedError, NotImplementedError):
            return None

    def generated_train(self) -> bool:
        """Whether the page gets the JavaScript training loop: where ``glassnet train``
        compiles the network's size (``javascript.trainable``), so large pages do not grow."""
        trace = self.explanation.trace
        return trainable(trace.network, trace.n_samples)

    def script(self) -> str:
        """The view's whole script: the generated code, the live parts, then ``glassnet.js``."""
        live = "".join(_asset(name) for name in LIVE_ASSETS) if self.step_source else ""
        return self.step_script() + live + _asset("glassnet.js")

    def step_script(self) -> str:
        """The generated step and training loop, registered under the view's id for
        ``glassnet.js``: ``window.glassnetSteps[id](p, X, T, eta, choice)`` and
        ``window.glassnetTrain[id](p, X, T, eta, steps, choice)`` (absent without a loop)."""
        if self.step_source is None:
            return ""
        view = js_string(self.prefix)
        return (
            "(function (g) {\n"
            f"  (window.glassnetSteps = window.glassnetSteps || {{}})[{view}] = g.step;\n"
            "  if (g.train) {\n"
            f"    (window.glassnetTrain = window.glassnetTrain || {{}})[{view}] = g.train;\n"
            "  }\n"
            f"}})({self.step_source});\n"
        )

    def body(self) -> str:
        p = self.prefix
        return (
            f'<div class="glassnet" id="{p}" data-gn-keys="{self.keys}" lang="en">'
            f"{self.header()}"
            f'<div class="gn-layout">{self.figure()}{self.panels()}</div>'
            f"{self.answer_bar()}{self.train_controls()}"
            f"{self.training.html() if self.training else ''}{self.switch_note()}"
            f"{self.steps.html()}"
            '<footer class="gn-foot"><p>Made with glassnet. This page works offline: it loads '
            f"nothing. Numbers are shown to {self.digits} significant digits in the steps and "
            f"rounded to {min(self.digits, DIAGRAM_DIGITS)} decimals on the diagram.</p></footer>"
            f'<script type="application/json" class="gn-data">{script_json(self.data())}</script>'
            "</div>"
        )

    def header(self) -> str:
        ex, trace = self.explanation, self.explanation.trace
        network = trace.network
        title = ex.title or "One backpropagation update"
        credit = esc(ex.source)
        if ex.url:
            link = (
                f'<a href="{esc(ex.url)}" rel="noopener noreferrer">{esc(ex.url)}</a>'
                if re.match(r"https?://", ex.url)
                else esc(ex.url)
            )
            credit = f"{credit} — {link}" if credit else link
        # The activations and the loss are named for the script, which shows a switch here.
        layers = ", ".join(
            f'{esc(network.names.layer(k))} <span class="gn-act" data-layer="{k}">'
            f"{esc(layer.activation.name)}</span>"
            for k, layer in enumerate(network.layers)
        )
        sizes = "-".join(str(n) for n in network.sizes)
        samples = f"{trace.n_samples} sample{'s' if trace.n_samples > 1 else ''}"
        lines = [
            '<header class="gn-head">',
            '<p class="gn-kicker">glassnet · a worked example of backpropagation</p>',
            f'<h1 class="gn-title">{esc(title)}</h1>',
        ]
        if credit:
            lines.append(f'<p class="gn-credit">{credit}</p>')
        if ex.description:
            lines.append(f'<p class="gn-description">{esc(ex.description)}</p>')
        lines.append(
            f'<p class="gn-network">network {sizes}: {layers}; loss '
            f'<span class="gn-loss">{esc(network.loss.name)}</span>, '
            f"{network.batch_reduction} over {samples}; learning rate η = "
            f"{self.eta_html()}</p>"
        )
        if ex.matrix_form:
            boxes = (
                " and the diagram has one box per layer"
                if self.diagram.aggregated
                else "; the diagram shows the weights and biases"
            )
            lines.append(
                '<p class="gn-note">Too large to show neuron by neuron: each layer is shown in '
                f"matrix form (first and last rows and columns){boxes}. Editing, Answer mode "
                "and training on the page need the neuron-by-neuron form (up to 12 neurons a "
                "layer and 12 samples): this page shows the file's numbers.</p>"
            )
        # One-line notices of the live page (a malformed fragment, a refused edit).
        lines.append('<p class="gn-notice" role="status" hidden></p>')
        lines.append("</header>")
        return "".join(lines)

    def answer_bar(self) -> str:
        """Answer mode's toggle and progress line (``assets/answer.js``).

        ``data-questions`` lists, in page order, the values the learner is asked for: those
        of ``glassnet quiz`` (every computed scalar outside the Given section, not the frozen
        biases), each with the index of its step's first numbers part among the parts of its
        equation (after the left-hand side and the symbolic formula), which answer mode hides
        as it holds earlier steps' values; ``data-min-digits`` is ``glassnet check``'s
        ``MIN_DIGITS``. Only pages with a generated step have it.
        """
        if self.step_source is None:
            return ""
        asked = [[s.key, 1 + (s.formula is not None)] for s in self.explanation.computed_scalars()]
        if not asked:
            return ""
        return (
            '<div class="gn-answerbar gn-js" hidden '
            f'data-min-digits="{MIN_DIGITS}" '
            f'data-questions="{esc(json.dumps(asked, separators=(",", ":")))}">'
            '<button type="button" class="gn-answer-toggle" aria-pressed="false" '
            f'aria-describedby="{self.prefix}-ans">Answer mode</button>'
            f'<p class="gn-answer-help" id="{self.prefix}-ans">Hides every computed value: type '
            f"it in its place and press Enter (at least {MIN_DIGITS} significant digits, "
            "rounded or truncated; ? shows it).</p>"
            '<p class="gn-answer-progress" aria-live="polite"></p></div>'
        )

    def switch_note(self) -> str:
        """What the steps show once an activation or the loss is switched on the page.

        The steps below were written by Python for the file's activations and loss: their
        values follow a switch (the generated step computes them), their formulas cannot, so
        the script hides the formulas rather than show them with another choice's numbers.
        """
        if self.step_source is None:
            return ""
        return (
            '<p class="gn-switch-note gn-js" hidden>An activation or the loss differs from the '
            "file's: the steps below show this choice's values by name, without their formulas "
            "(written for the file's choice); steps this choice does not have are hidden. "
            "<b>Download as TOML</b> and run <code>glassnet explain</code> on it for every "
            "formula.</p>"
        )

    def eta_html(self) -> str:
        """The learning rate, named for the page's script, which shows it again after an edit."""
        eta = self.explanation.trace.learning_rate
        return (
            f'<span class="gn-num" data-name="eta" data-value="{esc(repr(float(eta)))}">'
            f"{format_significant(eta, self.digits)}</span>"
        )

    def figure(self) -> str:
        p = self.prefix
        svg = draw(
            self.diagram,
            self.walk.static_values(),
            self.scales,
            label="The network: inputs on the left, the outputs on the right",
            css_class="gn-diagram",
        )
        if self.diagram.aggregated:
            legend = "One box per layer; click a layer's weights for its derivation in matrix form."
        else:
            legend = (
                "Blue: positive, orange: negative; a thicker line is a larger weight. Click a "
                "weight or bias for its derivation."
            )
        return (
            f'<section class="gn-figure" aria-labelledby="{p}-fig">'
            f'<h2 id="{p}-fig">The network</h2>{self.sample_bar()}'
            f'<div class="gn-scroll gn-view">{svg}</div><p class="gn-legend">{legend}</p>'
            '<div class="gn-controls gn-js" hidden>'
            '<button type="button" data-go="first" aria-label="First step">First</button>'
            '<button type="button" data-go="prev" aria-label="Previous step (left arrow)">'
            "◀ Back</button>"
            '<button type="button" data-go="next" aria-label="Next step (right arrow)">'
            "Next ▶</button>"
            '<button type="button" data-go="last" aria-label="Last step">Last</button>'
            f'<p class="gn-status" aria-live="polite" id="{p}-status"></p></div>'
            "</section>"
        )

    def edit_controls(self) -> str:
        """Reset, Download and the activation and loss switches (``assets/edit.js``)."""
        if self.step_source is None:
            return ""
        p = self.prefix
        return (
            f'<section class="gn-edit gn-js" hidden aria-labelledby="{p}-edit">'
            f'<h2 id="{p}-edit">Change the numbers</h2>'
            '<p class="gn-edit-hint">Click a given value on the diagram or under <em>Given</em> '
            "(or Tab to it and press Enter) to change it: Enter applies, Escape cancels. "
            "The address keeps your edits.</p>"
            '<div class="gn-choices"></div><p class="gn-choice-msg" role="alert"></p>'
            '<div class="gn-edit-buttons">'
            '<button type="button" class="gn-reset">Reset to the file\'s values</button>'
            '<button type="button" class="gn-download">Download as TOML</button></div></section>'
        )

    def sample_bar(self) -> str:
        """Which sample of a batch the diagram shows, and buttons to show another."""
        if not self.walk.switches_samples:
            return ""
        n = self.explanation.trace.n_samples
        buttons = "".join(
            f'<button type="button" data-sample="{s}" aria-pressed="{str(s == 0).lower()}">'
            f"{s + 1}</button>"
            for s in range(n)
        )
        return (
            '<div class="gn-samplebar">'
            f'<p class="gn-sample-note" aria-live="polite">The diagram shows sample 1 of {n}.</p>'
            '<div class="gn-samples gn-js" hidden role="group" '
            f'aria-label="Show a sample on the diagram">Show sample {buttons}</div></div>'
        )

    def panels(self) -> str:
        p = self.prefix
        buttons = "".join(
            f'<button type="button" data-param="{pid}" aria-pressed="false">{esc(name)}</button>'
            for pid, name in param_names(self.walk)
        )
        return (
            '<div class="gn-panels">'
            f'<section class="gn-current gn-js" hidden aria-labelledby="{p}-cur">'
            f'<h2 id="{p}-cur">This step</h2><div class="gn-current-body"></div></section>'
            f'<section class="gn-derivation gn-js" hidden aria-labelledby="{p}-der">'
            f'<h2 id="{p}-der">Derivation of one parameter</h2>'
            "<p>Click a weight or bias on the diagram, or choose one:</p>"
            f'<div class="gn-params" role="group" aria-label="Parameters">{buttons}</div>'
            '<div class="gn-derivation-body" aria-live="polite"></div></section>'
            f"{self.edit_controls()}</div>"
        )

    def data(self) -> dict[str, Any]:
        """Everything the script needs, as JSON: the stops, the derivations and the training."""
        params = derivations(self.walk)
        for param in params.values():
            param["lb"] = self.diagram.shown_labels(param["hl"])
        return {
            "stops": [
                {
                    "t": s.title,
                    "b": s.block,
                    "s": s.steps,
                    "hl": s.highlight,
                    "lb": self.diagram.shown_labels(s.highlight),
                    "sm": s.sample,
                    "set": s.sets,
                }
                for s in self.stops
            ],
            "base": self.walk.given_sets(),
            "samples": self.explanation.trace.n_samples if self.walk.switches_samples else 1,
            "params": params,
            "scale": self.scales,
            "history": self.training.data() if self.training else None,
            "given": self.given() if self.step_source is not None else None,
            "choices": choices(self.explanation.trace.network) if self.step_source else None,
            "train": self.train_data() if self.step_source is not None else None,
            "edit": self.edit() if self.step_source is not None else None,
            "digits": self.digits,
            "diagram": self.walk.live_data(),
        }

    def train_controls(self) -> str:
        """*Train on this page* (``assets/train.js``): run updates live, pause, step, the curve.

        Only where there is a generated step; hidden until the script runs. A page made
        with ``--steps N`` keeps its own section of that run (``Training``) next to it.
        """
        if self.step_source is None:
            return ""
        p = self.prefix
        speeds = "".join(
            f'<option value="{value}"{" selected" if value == TRAIN_SPEED else ""}>{label}</option>'
            for value, label in TRAIN_SPEEDS
        )
        written = (
            " The section <i>Training</i> below shows the run glassnet made when it wrote "
            "the page; this one runs in your browser."
            if self.training
            else ""
        )
        return (
            f'<section class="gn-train gn-js" hidden aria-labelledby="{p}-live-tr">'
            f'<h2 id="{p}-live-tr">Train on this page</h2>'
            "<p>Gradient descent on these samples, one full-batch update after another, with "
            "the same generated update as every number above. Pause at any time: the diagram, "
            "<i>This step</i> and <i>Every step</i> then show the next update, computed from "
            f"the parameters reached.{written}</p>"
            '<div class="gn-train-controls" role="group" aria-label="Training controls">'
            '<button type="button" data-train="run">Train</button>'
            '<button type="button" data-train="pause" disabled>Pause</button>'
            '<button type="button" data-train="step" aria-label="Step: one update">Step</button>'
            '<button type="button" data-train="reset" disabled>Reset training</button></div>'
            '<div class="gn-train-settings">'
            f'<label for="{p}-tr-steps">Updates per run</label>'
            f'<input type="text" id="{p}-tr-steps" class="gn-train-steps" value="{TRAIN_STEPS}" '
            'inputmode="numeric" autocomplete="off" spellcheck="false">'
            f'<label for="{p}-tr-speed">Speed</label>'
            f'<select id="{p}-tr-speed" class="gn-train-speed">{speeds}</select></div>'
            '<p class="gn-train-count" data-gn-updates="0"></p>'
            '<p class="gn-train-message" role="status" aria-live="polite"></p>'
            '<div class="gn-scroll gn-train-plot"></div>'
            "</section>"
        )

    def train_data(self) -> dict[str, Any]:
        """What ``train.js`` needs: the parameters' check names in ``parameters`` order
        (each one's update is ``name+`` in the generated step's values)."""
        trace = self.explanation.trace
        names = [slot.name for slot in slots(trace.network, trace.n_samples) if slot.kind == "p"]
        return {"names": names, "steps": TRAIN_STEPS, "max": TRAIN_MAX_STEPS}

    def edit(self) -> dict[str, Any]:
        """What editing needs (``glassnet.live.edit_data``): names, rules, the file template."""
        ex, trace = self.explanation, self.explanation.trace
        example = Example(
            network=trace.network,
            inputs=trace.inputs,
            targets=trace.targets,
            learning_rate=trace.learning_rate,
            title=ex.title,
            source=ex.source,
            url=ex.url,
            description=ex.description,
            path=trace.example.path if trace.example else "",
        )
        return edit_data(example)

    def given(self) -> dict[str, Any]:
        """The generated step's arguments: parameters, inputs, targets, learning rate, and the
        file's activation per layer (``acts``) and ``loss`` (the step's ``choice``)."""
        trace = self.explanation.trace
        network = trace.network
        return {
            "p": parameters(network),
            "X": trace.inputs.tolist(),
            "T": trace.targets.tolist(),
            "eta": trace.learning_rate,
            "acts": [layer.activation.name for layer in network.layers],
            "loss": network.loss.name,
        }
