"""HTML: one self-contained page to click through a worked example, offline.

``render_html(explanation)`` returns a complete document: an SVG diagram of the
network, step controls (buttons and the arrow keys) that walk the explanation
block by block while the diagram highlights what each step touches, a
derivation panel that shows a weight's or bias's whole chain rule when it is
clicked (a batch's diagram shows one sample at a time, which the learner can
switch), every step as MathML in display style, and with ``history`` (the traces of successive
updates, ``--steps N``) a loss curve and a slider over the steps.

Everything is inline (CSS and JavaScript from ``assets/``, the data as JSON) and
a Content-Security-Policy allows nothing else, so the page makes no request of
any kind. Without JavaScript (a notebook that strips scripts) the diagram and
every step are still there: the script only adds the walk, the clicks and the
slider. ``render_fragment`` is the same view as one ``<div>`` for Jupyter.

Renderers format; they do not calculate. Every number comes from a step or a
trace; the only arithmetic here is layout (coordinates, line widths and shades
scaled from a value, the loss curve's axes).

Networks with a layer wider than ``MAX_NEURONS_SHOWN`` are drawn one box per
layer; their explanation is already in matrix form, shown as summarised tables.

The modules, one concept each:

- ``page``: the document or notebook ``<div>``, its CSP, the data for the script;
- ``diagram``: the network diagram's layout and element ids;
- ``labels``: text widths, and weight labels placed clear of each other;
- ``drawing``: the diagram as SVG;
- ``steps``: every step as HTML and MathML;
- ``walk``: what the diagram highlights and shows at each stop of the step controls;
- ``derivation``: each parameter's chain rule, for the derivation panel;
- ``training``: the ``--steps`` loss curve and slider;
- ``escape``: text and JSON made safe for HTML.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> page = render_html(explain_example(load_example("mazur")))
>>> page.startswith("<!DOCTYPE html>") and "0.0821670406" in page
True
"""

from glassnet.render.html.diagram import DIAGRAM_DIGITS
from glassnet.render.html.drawing import edge_width, node_shade
from glassnet.render.html.escape import script_json
from glassnet.render.html.page import notebook_markdown, render_fragment, render_html
from glassnet.render.html.steps import EDGE_ITEMS, TABLE_DIGITS
from glassnet.render.html.training import MAX_CURVE_POINTS, MAX_SLIDER_POINTS

__all__ = [
    "DIAGRAM_DIGITS",
    "EDGE_ITEMS",
    "MAX_CURVE_POINTS",
    "MAX_SLIDER_POINTS",
    "TABLE_DIGITS",
    "edge_width",
    "node_shade",
    "notebook_markdown",
    "render_fragment",
    "render_html",
    "script_json",
]
