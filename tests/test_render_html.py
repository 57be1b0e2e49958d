"""The HTML page and the MathML formatter, without a browser (``test_browser.py`` has one).

The page must load nothing, show each tutorial's numbers under the tutorial's names, keep
user text as text, stay small for MNIST-sized networks, and show training with ``--steps``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.example import parse_example
from glassnet.examples import load_example
from glassnet.explanation import explain, explain_example
from glassnet.formula import Add, Div, Group, Mul, Num, Partial, Sub, Sym
from glassnet.network import Layer, Network
from glassnet.render.html import render_fragment, render_html
from glassnet.render.json import explanation_to_dict
from glassnet.render.mathml import MathMLFormatter, format_decimal
from test_rounding_noise import NOISY

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parents[1] / "src" / "glassnet" / "examples"


class Page(HTMLParser):
    """Collects every tag with its attributes, the text of each step, and the inline code."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.steps: dict[str, str] = {}  # data-key -> text of the step
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.title = ""
        self.h1 = ""
        self._open_steps: list[tuple[str, int]] = []
        self._li_depth = 0
        self._raw: tuple[str, dict[str, str | None]] | None = None
        self._buffer: list[str] = []
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("script", "style"):
            self._raw, self._buffer = (tag, a), []
        if tag == "li":
            self._li_depth += 1
            if "gn-step" in (a.get("class") or "") and a.get("data-key") is not None:
                self._open_steps.append((str(a["data-key"]), self._li_depth))
                self.steps[str(a["data-key"])] = ""
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._raw and tag == self._raw[0]:
            text = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._raw[1], text))
            else:
                self.styles.append(text)
            self._raw = None
        if tag == "li":
            if self._open_steps and self._open_steps[-1][1] == self._li_depth:
                self._open_steps.pop()
            self._li_depth -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._raw:
            self._buffer.append(data)
            return
        for key, _ in self._open_steps:
            self.steps[key] += data
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1 += data

    def data(self) -> dict:
        for attrs, text in self.scripts:
            if attrs.get("type") == "application/json":
                return json.loads(text)
        raise AssertionError("no JSON data in the page")


def page_of(name: str, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["explain", name, "--format", "html", *args]) == 0
    return capsys.readouterr().out


def last_number(text: str) -> str:
    """The value a step ends with: the number after its last '='."""
    return text.rsplit("=", 1)[-1].split("(")[0].strip().replace("−", "-")


# -- numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        # Mazur's ∂E_total/∂w5 and w5+, as the issue and the tutorial print them.
        (0.082167040564231, 9, "0.082167041"),  # decimals: the diagram's labels
        (0.358916479717885, 9, "0.35891648"),
        (1.10590596705977, 9, "1.105905967"),
        (-0.038098236516556, 9, "-0.038098237"),
        (0.5, 9, "0.5"),
        (0.0, 9, "0"),
        (-0.0, 9, "0"),
        (-4e-12, 9, "-4e-12"),
        # Below 10**(3 - digits) fewer than 4 significant digits would remain: significant digits.
        (3.2e-7, 9, "3.2e-07"),
        (0.000438567734, 9, "0.000438568"),
        (12345678.9, 4, "1.235e+07"),
        (0.593269992107187, 4, "0.5933"),
        (0.0380982365, 4, "0.0381"),
        (float("nan"), 9, "NaN"),
        (float("-inf"), 9, "-∞"),
    ],
)
def test_format_decimal_rounds_like_the_tutorials(value: float, digits: int, expected: str) -> None:
    assert format_decimal(value, digits) == expected


# -- MathML ------------------------------------------------------------------


def test_mathml_partial_derivative_and_subscripts() -> None:
    fmt = MathMLFormatter(9)
    assert fmt(Partial(Sym("E", "total"), Sym("w5"))) == (
        "<math><mfrac><mrow><mo>∂</mo><msub><mi>E</mi><mi>total</mi></msub></mrow>"
        "<mrow><mo>∂</mo><mi>w5</mi></mrow></mfrac></math>"
    )
    assert fmt(Sym("w5", updated=True)) == "<math><msup><mi>w5</mi><mo>+</mo></msup></math>"


def test_mathml_puts_negative_factors_in_parentheses() -> None:
    fmt = MathMLFormatter(9)
    text = fmt.format(Mul((Num(0.5), Num(-0.0226025405))))
    assert text == (
        "<mrow><mn>0.5</mn><mo>·</mo><mrow><mo>(</mo><mrow><mo>−</mo><mn>0.0226025405</mn>"
        "</mrow><mo>)</mo></mrow></mrow>"
    )
    # A term of a sum that starts with a minus: Mazur's ∂E_total/∂b2 = δ_o1 · 1 + δ_o2 · 1.
    text = fmt.format(Add((Mul((Num(0.138498562), Num(1.0))), Mul((Num(-0.038098237), Num(1.0))))))
    assert text == (
        "<mrow><mrow><mn>0.138498562</mn><mo>·</mo><mn>1</mn></mrow><mo>+</mo>"
        "<mrow><mo>(</mo><mrow><mrow><mo>−</mo><mn>0.038098237</mn></mrow><mo>·</mo><mn>1</mn>"
        "</mrow><mo>)</mo></mrow></mrow>"
    )
    # The first term of a sum needs none.
    assert fmt.format(Add((Num(-1.0), Num(2.0)))).startswith("<mrow><mrow><mo>−</mo><mn>1</mn>")


def test_mathml_fraction_drops_the_groups_parentheses() -> None:
    sigmoid = Div(Num(1.0), Group(Add((Num(1.0), Sym("x")))))
    text = MathMLFormatter(9).format(sigmoid)
    assert text == "<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><mi>x</mi></mrow></mfrac>"
    difference = MathMLFormatter(9).format(Mul((Num(2.0), Sub(Sym("a"), Sym("b")))))
    assert "<mo>(</mo><mrow><mi>a</mi><mo>−</mo><mi>b</mi></mrow><mo>)</mo>" in difference


def test_mathml_escapes_names() -> None:
    text = MathMLFormatter(9)(Sym("<b>", "</math>&"))
    assert text == "<math><msub><mi>&lt;b&gt;</mi><mi>&lt;/math&gt;&amp;</mi></msub></math>"


# -- the page loads nothing --------------------------------------------------

URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "xlink:href"}


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_page_fetches_nothing(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = page_of(name, "--steps", "3", capsys=capsys)
    page = Page(text)
    for tag, attrs in page.tags:
        for attr, value in attrs.items():
            if attr in URL_ATTRIBUTES:
                # Only a link the reader may click: it is never fetched by itself.
                assert (tag, attr) == ("a", "href"), (tag, attr, value)
            if value and re.search(r"https?://", value):
                assert (tag, attr) == ("a", "href"), (tag, attr, value)
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "audio", "video")
        if tag == "script":
            assert "src" not in attrs
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css
    js = [t for a, t in page.scripts if a.get("type") != "application/json"]
    assert len(js) == 1
    for forbidden in ("fetch(", "XMLHttpRequest", "WebSocket", "import(", "innerHTML", "eval("):
        assert forbidden not in js[0]


def test_content_security_policy_allows_only_the_inline_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = Page(page_of("mazur", capsys=capsys))
    policies = [
        a["content"]
        for t, a in page.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert len(policies) == 1
    policy = str(policies[0])
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    # The browser runs the script and applies the style only if their hashes are listed.
    js = next(t for a, t in page.scripts if a.get("type") != "application/json")
    assert f"script-src '{digest(js)}'" in policy
    assert f"style-src '{digest(page.styles[0])}'" in policy


# -- the tutorials' numbers under their names -------------------------------

# (key, the step's left-hand side as text, value as the tutorial prints it to 9 decimals).
# Values from /work/shared/reference/worked-examples.md, computed independently of glassnet.
KEY_NUMBERS = {
    "mazur": [
        ("net_h1", "neth1", "0.3775"),
        ("out_h1", "outh1", "0.593269992"),
        ("out_h2", "outh2", "0.596884378"),
        ("net_o1", "neto1", "1.105905967"),
        ("out_o1", "outo1", "0.75136507"),
        ("out_o2", "outo2", "0.772928465"),
        ("E_total", "Etotal", "0.298371109"),
        ("delta_o1", "δo1", "0.138498562"),
        ("delta_o2", "δo2", "-0.038098237"),
        ("dE/dw5", "∂Etotal∂w5", "0.082167041"),
        ("w5+", "w5+", "0.35891648"),
        ("w6+", "w6+", "0.408666186"),
        ("w7+", "w7+", "0.51130127"),
        ("w8+", "w8+", "0.561370121"),
        ("w1+", "w1+", "0.149780716"),
        ("w2+", "w2+", "0.199561432"),
        ("w3+", "w3+", "0.249751144"),
        ("w4+", "w4+", "0.299502287"),
        ("E_total+", "Etotal+", "0.291027774"),
    ],
    "hill": [
        ("out_h1", "outh1", "0.413382421"),
        ("out_h2", "outh2", "0.934010991"),
        ("out_L1", "outL1", "0.712257432"),
        ("out_L2", "outL2", "0.533097574"),
        ("E_total", "Etotal", "0.193749779"),
        ("delta_L1", "δL1", "-0.117943827"),
        ("delta_h1", "δh1", "-0.032083952"),
        ("w5+", "w5+", "0.70487559"),
        ("w6+", "w6+", "-0.306854666"),
        ("b3+", "b3+", "0.161794383"),
        ("b4+", "b4+", "0.33341810"),
        ("w1+", "w1+", "0.30641679"),
        ("w3+", "w3+", "-0.390374814"),
        ("b1+", "b1+", "0.253208395"),
        ("E_total+", "Etotal+", "0.183939891"),
    ],
    "lamsal": [
        ("out_h1", "outh1", "0.601087879"),
        ("out_h2", "outh2", "0.615383756"),
        ("out_o1", "outo1", "0.734928613"),
        ("out_o2", "outo2", "0.779553884"),
        ("E_total", "Etotal", "0.249089541"),
        ("w5+", "w5+", "0.451878125"),
        ("w7+", "w7+", "0.710563916"),
        ("w1+", "w1+", "0.099335165"),
        ("w4+", "w4+", "0.39597928"),
        ("E_total+", "Etotal+", "0.240724905"),
    ],
}


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_page_shows_the_tutorials_numbers_under_their_names(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = page_of(name, capsys=capsys)
    page = Page(text)
    for key, lhs, value in KEY_NUMBERS[name]:
        assert key in page.steps, key
        step = page.steps[key]
        # --digits is significant digits, as in every format: the tutorial's value (printed
        # to 9 decimals) agrees, and no more than 9 significant digits are shown.
        shown = last_number(step)
        # Half a unit in the 9th significant digit, plus the reference's own rounding.
        ulp = 10.0 ** (np.floor(np.log10(abs(float(value)))) - 8)
        assert abs(float(shown) - float(value)) <= ulp / 2 + 5e-10, (key, step)
        assert len(shown.lstrip("-").replace(".", "").lstrip("0")) <= 9, (key, step)
        assert step.split("=")[0] == lhs, (key, step)
    # The names are MathML identifiers in the steps and labels on the diagram.
    assert "<mi>w5</mi>" in text
    assert '<tspan class="gn-name">w5</tspan>' in text


def test_mazur_derivation_of_w5_is_its_whole_chain_rule(capsys: pytest.CaptureFixture[str]) -> None:
    page = Page(page_of("mazur", capsys=capsys))
    data = page.data()
    w5 = next(p for p in data["params"].values() if p["name"] == "w5")
    # δ_o1's block (∂E/∂out_o1 and ∂out_o1/∂net_o1), w5's block, then the update w5+.
    text = page_text_of(page_of("mazur", capsys=capsys), w5["blocks"] + w5["steps"])
    for number in ("0.74136507", "0.186815602", "0.593269992", "0.0821670406", "0.35891648"):
        assert number in text
    # The path it highlights: w5, the neuron h1 it leaves and o1 it enters.
    assert {"w1.0.0", "n0.0", "n1.0"} <= set(w5["hl"])
    w1 = next(p for p in data["params"].values() if p["name"] == "w1")
    # w1 reaches E_total through h1 and both outputs, over w5 and w7.
    assert {"w0.0.0", "x0", "n0.0", "n1.0", "n1.1", "w1.0.0", "w1.1.0"} <= set(w1["hl"])
    assert len(w1["blocks"]) == 4  # δ_o1, δ_o2, δ_h1, and w1's own block


def page_text_of(text: str, ids: list[str]) -> str:
    """The text inside the elements with these ids."""

    class Grab(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.out: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.depth:
                self.depth += 1
            elif dict(attrs).get("id") in ids:
                self.depth = 1

        def handle_endtag(self, tag: str) -> None:
            if self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.out.append(data)

    grab = Grab()
    grab.feed(text)
    return "".join(grab.out).replace("−", "-")


def test_steps_walk_forward_neuron_by_neuron_then_back(capsys: pytest.CaptureFixture[str]) -> None:
    data = Page(page_of("mazur", capsys=capsys)).data()
    titles = [s["t"] for s in data["stops"]]
    forward = [t.split(" · ")[1] for t in titles if t.startswith("Forward pass")]
    assert forward == ["h1", "h2", "o1", "o2"]
    sections = [t.split(" · ")[0] for t in titles]
    order = ["Given", "Forward pass", "Error", "Backward pass", "Update", "After the update"]
    assert sorted(set(sections), key=order.index) == order
    assert sections == sorted(sections, key=order.index)
    # Every step of the controls lights up something different from the one before.
    highlights = [tuple(s["hl"]) for s in data["stops"]]
    assert all(a != b for a, b in itertools.pairwise(highlights))
    # The forward step of h1 reveals out_h1 on the diagram, the update of w5 its new value;
    # each with its check name and the text before it, for the script after an edit.
    h1 = next(s for s in data["stops"] if s["t"] == "Forward pass · h1")
    assert ["n0.0", "v", "0.5933", 0.5932699921071872, 0, 0, "out_h1", ""] in h1["set"]
    w5 = next(s for s in data["stops"] if s["t"].endswith("w5+"))
    [(element, field, text, value, new, sample, name, before)] = w5["set"]
    assert (element, field, text, new, sample) == ("w1.0.0", "v", "0.3589", 1, -1)
    assert (name, before) == ("w5+", "")
    assert value == pytest.approx(0.358916479717885, abs=1e-14)


def test_a_batch_walks_sample_by_sample() -> None:
    example = load_example("hill")
    inputs = np.array([[2.0, 3.0], [-1.0, 0.5], [0.25, 4.0]])
    targets = np.array([[1.0, 0.2], [0.0, 1.0], [0.5, 0.5]])
    trace = backprop(example.network, inputs, targets, 0.1)
    page = Page(render_html(explain(trace)))
    stops = page.data()["stops"]
    # The forward pass goes neuron by neuron for each sample; the diagram shows one sample at
    # a time: the stop says which, and every value carries its sample (-1: the parameters).
    h1 = next(s for s in stops if s["t"] == "Forward pass · h1, sample 2")
    assert h1["sm"] == 1
    out = float(trace.layers[0].out[1, 0])
    assert ["n0.0", "v", format_decimal(out, 4), out, 0, 1, "out_h1[2]", ""] in h1["set"]
    base = [s[:6] for s in page.data()["base"]]
    assert ["x0", "v", "-1", -1.0, 0, 1] in base and ["x1", "v", "0.5", 0.5, 0, 1] in base
    assert ["x0", "v", "0.25", 0.25, 0, 2] in base and ["x0", "v", "2", 2.0, 0, 0] in base
    assert page.data()["samples"] == 3
    # The batch gradient of w5 is the mean of the three samples' (the worked-examples rule).
    per_sample = [page.steps[f"dE/dw5[{s}]"] for s in (1, 2, 3)]
    mean = sum(float(last_number(t)) for t in per_sample) / 3
    assert float(last_number(page.steps["dE/dw5"])) == pytest.approx(mean, abs=2e-9)


def test_static_diagram_shows_values_without_script(capsys: pytest.CaptureFixture[str]) -> None:
    text = page_of("mazur", capsys=capsys)
    svg = text[text.index('<svg class="gn-diagram"') : text.index("</svg>")]
    # Given values, the forward pass and the error are filled in; a notebook may strip scripts.
    for shown in (
        "0.05",
        "0.1",
        "0.5933",
        "0.7514",
        "target = 0.01",
        "E = 0.2748",
        "E_total = 0.2984",
    ):
        assert f">{shown}<" in svg, shown
    # Widths scale with |w| up to the largest weight drawn, w8+ = 0.561370121107989:
    # 1 + 5 · 0.55 / 0.561370121 = 5.90 for w8 and 1 + 5 · 0.15 / 0.561370121 = 2.34 for w1.
    w8 = re.search(r'data-id="w1\.1\.1"[^>]*>.*?class="gn-line"[^>]*stroke-width="([\d.]+)"', svg)
    w1 = re.search(r'data-id="w0\.0\.0"[^>]*>.*?class="gn-line"[^>]*stroke-width="([\d.]+)"', svg)
    assert w8 and w1
    assert (float(w8.group(1)), float(w1.group(1))) == (5.9, 2.34)


def test_mazur_page_matches_the_reviewed_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    # Reviewed in a browser (docs/screenshot-mazur.png). After a reviewed change:
    # glassnet explain mazur --format html -o tests/golden/mazur.html
    assert page_of("mazur", capsys=capsys) == (GOLDEN / "mazur.html").read_text(encoding="utf-8")


# -- user text stays text ----------------------------------------------------

EVIL_TITLE = "<script>alert(1)</script>"
EVIL_SOURCE = r"\input{/etc/passwd}"


def evil_example(tmp_path: Path) -> Path:
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title = .*$", "title = '<script>alert(1)</script>'", text)
    text = re.sub(r"(?m)^source = .*$", r"source = '\\input{/etc/passwd}'", text)
    text = re.sub(r"(?m)^url = .*$", "url = 'javascript:alert(3)'", text)
    text = re.sub(
        r"(?m)^description = .*$", "description = '</script><script>alert(2)</script>&amp;'", text
    )
    text = text.replace('neuron_names = ["h1", "h2"]', 'neuron_names = ["<h1>", "h&2"]')
    text = text.replace(
        'weight_names = [["w5", "w6"], ["w7", "w8"]]',
        "weight_names = [['</script>', 'w\"6'], ['w7', '<img src=x onerror=alert(4)>']]",
    )
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_text_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = page_of(str(evil_example(tmp_path)), capsys=capsys)
    page = Page(text)
    assert page.h1 == EVIL_TITLE
    assert page.title.startswith(EVIL_TITLE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert EVIL_SOURCE in text
    # Only the page's own two scripts and no element the user text tried to add.
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    assert not any(t == "img" for t, _ in page.tags)
    assert "javascript:" not in "".join(str(v) for _, a in page.tags for v in a.values())
    # The data is JSON with <, > and & escaped, and reads back as the names.
    blob = next(t for a, t in page.scripts if a.get("type") == "application/json")
    assert not re.search(r"[<>&]", blob)
    data = page.data()
    assert {p["name"] for p in data["params"].values()} >= {
        "</script>",
        'w"6',
        "<img src=x onerror=alert(4)>",
    }
    assert any("<h1>" in stop["t"] for stop in data["stops"])
    # In MathML and on the diagram the names are text.
    assert "<mi>&lt;/script&gt;</mi>" in text
    assert '<tspan class="gn-name">&lt;img src=x onerror=alert(4)&gt;</tspan>' in text


def test_fragment_is_escaped_too(tmp_path: Path) -> None:
    from glassnet.examples import load_example as load

    explanation = explain_example(load(str(evil_example(tmp_path))))
    text = render_fragment(explanation)
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# -- large networks ----------------------------------------------------------


def mnist_sized(n_samples: int, seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    network = Network(
        [
            Layer(rng.normal(0, 0.05, (128, 784)), "sigmoid", bias=np.zeros(128)),
            Layer(rng.normal(0, 0.1, (10, 128)), "softmax", bias=np.zeros(10)),
        ],
        loss="cross_entropy",
    )
    inputs = rng.random((n_samples, 784))
    targets = np.eye(10)[rng.integers(0, 10, n_samples)]
    return network, inputs, targets


def test_mnist_sized_network_gives_a_small_page_in_matrix_form() -> None:
    network, inputs, targets = mnist_sized(256)
    traces = [backprop(network, inputs, targets, 0.1)]
    for _ in range(2):
        traces.append(backprop(traces[-1].network_after, inputs, targets, 0.1))
    explanation = explain(traces[0])
    assert explanation.matrix_form
    text = render_html(explanation, history=traces)
    assert len(text.encode("utf-8")) < 2_000_000
    page = Page(text)
    data = page.data()
    # One box per layer, with the layer's derivation behind each weight matrix.
    assert {"X", "L0", "L1", "W0", "W1"} <= {a.get("data-id") for _, a in page.tags}
    assert set(data["params"]) == {"W0", "W1"}
    # The matrices are summarised: W(1)'s first entry, as NumPy holds it, to 6 significant
    # digits (as the text format's tables).
    first = f"{network.layers[0].weights[0, 0]:.6g}"
    assert f"<td>{first}</td>" in text
    assert "128 × 784" in text
    # And the loss after each update, read from the traces.
    assert data["history"]["caption"][-1].startswith(
        f"3 updates: E_total = {traces[-1].loss_after:.9g}"
    )


def test_page_size_does_not_grow_with_the_batch() -> None:
    network, inputs, targets = mnist_sized(2000, seed=1)
    text = render_html(explain(backprop(network, inputs, targets, 0.1)))
    assert len(text.encode("utf-8")) < 200_000


def test_a_diverged_update_still_renders() -> None:
    network = Network(
        [Layer([[1e300, 1e300]], "identity"), Layer([[1e10]], "identity")], loss="sse"
    )
    with np.errstate(all="ignore"):
        trace = backprop(network, [[1e10, 1e10]], [[0.0]], 0.1)
    assert not np.isfinite(trace.loss)
    page = Page(render_html(explain(trace), history=[trace]))
    assert last_number(page.steps["E_total"]) == "∞"
    # The JSON has no NaN or Infinity (which JSON.parse rejects): the labels carry the text.
    e_total = next(s for s in page.data()["stops"] if s["t"].startswith("Error"))["set"][-1]
    assert e_total == ["E", "v", "E_total = ∞", None, 0, -1, "E_total", "E_total = "]


# -- training ----------------------------------------------------------------


def test_steps_50_gives_a_loss_curve_and_a_slider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "--steps", "50", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    slider = next(a for t, a in page.tags if t == "input" and a.get("type") == "range")
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "50", "50")
    curve = re.search(r'<polyline class="gn-loss" points="([^"]+)"', text)
    assert curve and len(curve.group(1).split()) == 51
    history = page.data()["history"]
    assert len(history["caption"]) == len(history["cx"]) == len(history["sets"]) == 51
    # Position 0 is the example's own loss; position k the loss after k updates.
    assert history["caption"][0] == "0 updates: E_total = 0.298371109"
    assert history["caption"][1] == "1 update: E_total = 0.291027774"
    trained = load_example("mazur").train(50)
    assert history["caption"][50] == f"50 updates: E_total = {trained.loss:.9g}"
    # The slider's diagram: w5 after 50 updates, as train() leaves it.
    w5 = float(trained.network.layers[1].weights[0, 0])
    assert ["w1.0.0", "v", format_decimal(w5, 4), w5, 0, -1] in history["sets"][50]
    # and every neuron's output for the sample, hidden ones too, saying whose they are:
    # Mazur's out_h1 before any update, and after 50 as train() leaves the network.
    assert "output for the sample" in text
    assert ["n0.0", "v", "0.5933", pytest.approx(0.593269992, abs=1e-9), 0, 0] in history["sets"][0]
    h1 = float(trained.predict_hidden(0)) if hasattr(trained, "predict_hidden") else None
    del h1
    # The loss falls, so the marker ends lower on the plot (larger y) than it starts.
    assert history["cy"][-1] > history["cy"][0]


def test_long_training_is_subsampled() -> None:
    example = load_example("mazur")
    traces = example.traces(1000)
    text = render_html(explain_example(example), history=traces)
    page = Page(text)
    history = page.data()["history"]
    assert len(history["caption"]) == 201
    assert history["caption"][0].startswith("0 updates")
    assert history["caption"][-1].startswith("1000 updates")
    assert len(text.encode("utf-8")) < 2_000_000


# -- Jupyter -----------------------------------------------------------------


def test_trace_and_explanation_display_in_notebooks() -> None:
    trace = load_example("mazur").step()
    html = trace._repr_html_()
    assert html.startswith("<style>") and "<html" not in html and "<!DOCTYPE" not in html
    assert 'class="glassnet"' in html and "0.0821670406" in html
    # Two views in one notebook have their own ids.
    ids = re.findall(r'<div class="glassnet" id="(\w+)"', html + trace._repr_html_())
    assert len(set(ids)) == 2
    # The arrow keys move a notebook view only while the focus is inside it.
    assert 'data-gn-keys="local"' in html
    explanation = explain_example(load_example("mazur"))
    assert "0.35891648" in explanation._repr_html_()


def test_markdown_display_falls_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = load_example("mazur").step()
    # Without the Markdown renderer: the terminal explanation in a code block.
    monkeypatch.setitem(sys.modules, "glassnet.render.markdown", None)
    text = trace._repr_markdown_()
    assert text.startswith("```text\n") and text.endswith("```\n")
    assert "w5+ = w5 - η · ∂E_total/∂w5 = 0.4 - 0.5 · 0.0821670406 = 0.35891648" in text


def test_markdown_display_uses_the_markdown_renderer() -> None:
    import glassnet.render.markdown  # noqa: F401  (the renderer this view uses)

    text = load_example("mazur").step()._repr_markdown_()
    assert not text.startswith("```text") and "0.35891648" in text


# -- one meaning for --digits; math in headings and introductions ------------


@pytest.mark.parametrize("digits", [9, 4])
def test_digits_are_significant_digits_as_in_the_text_format(digits: int) -> None:
    from glassnet.render.text import format_number

    explanation = explain_example(load_example("mazur"))
    page = Page(render_html(explanation, digits=digits))
    scalar = [s for s in explanation.steps() if np.ndim(s.value) == 0 and s.formula is not None]
    assert len(scalar) > 30
    for step in scalar:
        assert last_number(page.steps[step.key]) == format_number(float(step.value), digits)
    # The example: δ_o2 = -0.038098236516556 to 9 significant digits, not 9 decimals.
    if digits == 9:
        assert last_number(page.steps["delta_o2"]) == "-0.0380982365"


def test_headings_and_introductions_are_math(capsys: pytest.CaptureFixture[str]) -> None:
    text = page_of("mazur", capsys=capsys)
    # No formula is left as plain text with literal underscores.
    assert "δ_o1" not in text.split("<body>", 1)[1].split('class="gn-data"')[0]
    assert "E_j = " not in text and "p+ = p - η" not in text
    delta = (
        "<h4>o1: <math><msub><mi>δ</mi><mi>o1</mi></msub><mo>=</mo><mfrac><mrow><mo>∂</mo>"
        "<msub><mi>E</mi><mi>total</mi></msub></mrow><mrow><mo>∂</mo><msub><mi>net</mi>"
        "<mi>o1</mi></msub></mrow></mfrac></math></h4>"
    )
    assert delta in text
    assert '<p class="gn-intro">loss: half_sse, <math><msub><mi>E</mi><mi>j</mi></msub>' in text
    assert "each parameter p moves against its gradient: <math><msup><mi>p</mi><mo>+</mo>" in text


def test_a_heading_with_odd_names_stays_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = page_of(str(evil_example(tmp_path)), capsys=capsys)
    # "<h1>" is a neuron's name: escaped inside the math, never markup.
    assert "<h4>&lt;h1&gt;: <math><msub><mi>δ</mi><mi>&lt;h1&gt;</mi></msub>" in text


# -- numbers that name their value (the live page) ----------------------------------------

#: A number that names its value, as MathMLFormatter(live=True) writes it: the wrapper and
#: the number inside (with brackets of its own where it is negative and its place needs them).
LIVE_NUMBER = re.compile(
    r'<mrow class="gn-num" data-name="[^"]*" data-value="[^"]*"( data-paren)?>'
    r"((?:<mrow><mo>\(</mo>)?(?:<mn>[^<]*</mn>|<mrow><mo>−</mo><mn>[^<]*</mn></mrow>)"
    r"(?:<mo>\)</mo></mrow>)?)</mrow>"
)


def numbers_of(expr: object) -> list[Num]:
    """Every number of a formula tree, in order."""
    if isinstance(expr, Num):
        return [expr]
    found: list[Num] = []
    for child in vars(expr).values() if expr is not None else ():
        for item in child if isinstance(child, tuple) else (child,):
            if not isinstance(item, str | int | float | bool) and item is not None:
                found += numbers_of(item)
    return found


def test_live_mathml_of_mazur_differs_from_the_static_only_where_intended() -> None:
    """Mazur's live MathML is the static MathML with each number of a trace value wrapped
    (``gn-num``, its check name and double), and nothing else, except in dE/db2 = δ_o1·1 +
    δ_o2·1 with δ_o2 < 0, where the brackets go around −0.0380982365 rather than the product;
    every number but the formulas' constants names its value (ref), with that value."""
    explanation = explain_example(load_example("mazur"))
    values = explanation_to_dict(explanation)["values"]
    live, plain = MathMLFormatter(9, live=True), MathMLFormatter(9)
    wrapped, moved = 0, {}
    for step in explanation.steps():
        for expr in (step.formula, step.numbers):
            if expr is None:
                continue
            text = live.format(expr)
            if LIVE_NUMBER.sub(r"\2", text) != plain.format(expr):
                moved[step.key] = (glyphs(text), glyphs(plain.format(expr)))
            nums = numbers_of(expr)
            named = [n for n in nums if n.ref is not None]
            assert len(LIVE_NUMBER.findall(text)) == len(named)
            assert all(values[n.ref] == n.value for n in named)
            assert {n.value for n in nums if n.ref is None} <= {0.5, 1.0, 2.0}
            wrapped += len(named)
    assert moved == {
        "dE/db2": ("0.138498562·1+(−0.0380982365)·1", "0.138498562·1+(−0.0380982365·1)")
    }
    # forward 4·5 + 4, error 3·2, backward 2·(6 + 2·3) + 2 + 2·(10 + 2·3) + 2, the
    # updates of the 8 weights 8·3 (Mazur's biases are frozen)
    assert wrapped == 24 + 6 + 60 + 24


def glyphs(ml: str) -> str:
    """The text of MathML, without its tags."""
    return re.sub("<[^>]*>", "", ml)


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal", "noisy"])
def test_every_number_of_a_trace_value_names_it(name: str) -> None:
    """Each number that shows a value of the trace carries its check name, equal to the
    value (0 where it is rounding noise, as every format shows it); the others are the
    formulas' constants."""
    example = parse_example(NOISY) if name == "noisy" else load_example(name)
    explanation = explain_example(example)
    values = explanation_to_dict(explanation)["values"]
    noise = {s.key for s in explanation.steps() if s.noise}
    n = explanation.trace.n_samples
    constants = {0.5, 1.0, 2.0, float(n), float(explanation.trace.targets.shape[1])}
    for step in explanation.steps():
        for num in numbers_of(step.numbers):
            if num.ref is None:
                assert num.value in constants, (step.key, num)
            else:
                assert values[num.ref] == num.value or (num.ref in noise and num.value == 0)


def test_live_brackets_go_around_the_negative_number_only() -> None:
    """0.2·1 + (−0.3·0.5) in the static MathML is 0.2·1 + (−0.3)·0.5 on the page, so that an
    edit that makes −0.3 positive changes that number's element only."""
    step = explain_example(parse_example(NOISY)).step("net_h1[1]")
    assert step.numbers is not None

    assert glyphs(MathMLFormatter(9).format(step.numbers)) == "0.2·1+(−0.3·0.5)+0.1·(−1.5)+0.1·1"
    live = MathMLFormatter(9, live=True).format(step.numbers)
    assert glyphs(live) == "0.2·1+(−0.3)·0.5+0.1·(−1.5)+0.1·1"
    # Every number in a place where a negative one needs brackets is marked (data-paren),
    # whatever its sign; only the negative ones have them.
    marked = re.findall(r'data-name="([^"]*)" data-value="[^"]*" data-paren', live)
    assert marked == ["x1[1]", "w2", "x2[1]", "w3", "x3[1]", "b1"]
    bracketed = [m.group(0) for m in LIVE_NUMBER.finditer(live) if "(" in m.group(2)]
    assert [re.findall(r'data-name="([^"]*)"', b)[0] for b in bracketed] == ["w2", "x3[1]"]
