"""The page: a self-contained document (or notebook ``<div>``) with its CSP and its data.

Everything is inline (CSS and JavaScript from ``glassnet/render/assets/``, the
data as JSON) and a Content-Security-Policy that allows only those two, by
hash, so the page makes no request of any kind.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

from glassnet.explanation import Explanation
from glassnet.fast.compiled import parameters, supports
from glassnet.fast.javascript import UnsupportedError, js_string, step_function, train_function
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
LIVE_ASSETS: tuple[str, ...] = ()


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
        """The JavaScript of this update (``glassnet.fast.javascript``); None in matrix form."""
        if self.explanation.matrix_form:
            return None
        trace = self.explanation.trace
        try:
            source, _ = step_function(trace.network, trace.n_samples)
        except (UnsupportedError, NotImplementedError):
            return None
        return source

    def generated_train(self) -> str | None:
        """The JavaScript training loop (``glassnet.fast.javascript``), where there is one."""
        trace = self.explanation.trace
        if self.step_source is None or not supports(trace.network, trace.n_samples):
            return None  # (where glassnet train runs it: small enough that the page stays small)
        try:
            return train_function(trace.network, trace.n_samples)
        except (UnsupportedError, NotImplementedError):
            return None

    def script(self) -> str:
        """The view's whole script: the generated code, the live parts, then ``glassnet.js``."""
        live = "".join(_asset(name) for name in LIVE_ASSETS) if self.step_source else ""
        return self.step_script() + live + _asset("glassnet.js")

    def step_script(self) -> str:
        """The generated step and training loop, registered under the view's id for
        ``glassnet.js`` (``window.glassnetSteps``, ``window.glassnetTrain``)."""
        if self.step_source is None:
            return ""
        view = js_string(self.prefix)
        script = (
            f"(window.glassnetSteps = window.glassnetSteps || {{}})[{view}] = {self.step_source};\n"
        )
        train = self.generated_train()
        if train is not None:
            script += f"(window.glassnetTrain = window.glassnetTrain || {{}})[{view}] = {train};\n"
        return script

    def body(self) -> str:
        p = self.prefix
        return (
            f'<div class="glassnet" id="{p}" data-gn-keys="{self.keys}" lang="en">'
            f"{self.header()}"
            f'<div class="gn-layout">{self.figure()}{self.panels()}</div>'
            f"{self.training.html() if self.training else ''}{self.steps.html()}"
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
        layers = ", ".join(
            f"{network.names.layer(k)} {layer.activation.name}"
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
            f'<p class="gn-network">network {sizes}: {esc(layers)}; loss {esc(network.loss.name)}, '
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
                f"matrix form (first and last rows and columns){boxes}.</p>"
            )
        # One-line notices of the live page (a malformed fragment, a refused edit).
        lines.append('<p class="gn-notice" role="status" hidden></p>')
        lines.append("</header>")
        return "".join(lines)

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
            "</div>"
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
            "digits": self.digits,
            "diagram": self.walk.live_data(),
        }

    def given(self) -> dict[str, Any]:
        """The generated step's arguments: parameters, inputs, targets and learning rate."""
        trace = self.explanation.trace
        return {
            "p": parameters(trace.network),
            "X": trace.inputs.tolist(),
            "T": trace.targets.tolist(),
            "eta": trace.learning_rate,
        }
