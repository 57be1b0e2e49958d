/* glassnet: the step controls, the derivation panel and the training slider, and the view
 * that the live parts (edit.js, answer.js, train.js) build on.
 * The page is complete without this script; it only adds the interaction. It reads the
 * JSON that glassnet.render.html wrote and writes text with textContent only (every label
 * may be user text). The numbers it computes come from the step function generated from
 * the formula trees (glassnet/fast/javascript.py), registered before this script as
 * window.glassnetSteps[view id]; this script has no arithmetic of its own, only layout
 * (line widths and shades, the largest |weight| they are scaled to) and formatting (the
 * ports of format_significant and format_decimal, which equal Python's).
 *
 * The view (one per explanation on the page), given to every plugin that registered
 * itself before this script with (window.glassnetPlugins = window.glassnetPlugins || [])
 * .push(function (view) {...}):
 *   view.root, view.data    the view's element and the JSON Python wrote for it
 *   view.live               whether there is a generated step (neuron by neuron form)
 *   view.file               the file's numbers: {p, X, T, eta, ...} (data.given; never changed)
 *   view.state              the numbers shown now (a copy of view.file until edited)
 *   view.values             the generated step's values by check name, for view.state
 *   view.step(state)        the generated step's values for any state, without showing them
 *   view.set(state)         show that state: every value, the diagram, the panels; then the
 *                           listeners are called (view.on) and "glassnet:update" is fired
 *   view.on(fn)             fn(view) after every view.set
 *   view.format(v)          v to the page's significant digits, as the steps show it
 *   view.shown(name)        the value of a check name as the page shows it (rounding noise
 *                           of the file's numbers is 0 while the edit leaves it as it was)
 *   view.scale()            the diagram's scales {w, v} for line widths and shades
 *   view.notice(text)       a one-line notice at the top of the view ("" hides it)
 *   view.go(i)              show stop i of the step controls
 *   view.copyState(state)   a deep copy of a state */
(function () {
  "use strict";

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  // The same layout arithmetic as edge_width and node_shade in render/html/drawing.py.
  function width(value, scale) {
    return Math.round((1 + 5 * Math.min(1, Math.abs(value) / scale)) * 100) / 100;
  }
  function shade(value, scale) {
    return Math.round((0.08 + 0.47 * Math.min(1, Math.abs(value) / scale)) * 1000) / 1000;
  }

  function byId(svg, id) {
    // Looked up once per diagram: a large one has thousands of elements.
    if (!svg.gnIndex) {
      svg.gnIndex = {};
      all(svg, "[data-id]").forEach(function (el) {
        var key = el.getAttribute("data-id");
        (svg.gnIndex[key] = svg.gnIndex[key] || []).push(el);
      });
    }
    return svg.gnIndex[id] || [];
  }

  // The dashed lines of a bias (data-param the bias's id, their own data-id "b0>1").
  function bySource(svg, id) {
    if (!svg.gnSources) {
      svg.gnSources = {};
      all(svg, ".gn-edge[data-param]").forEach(function (el) {
        var key = el.getAttribute("data-param");
        if (key === el.getAttribute("data-id")) { return; }
        (svg.gnSources[key] = svg.gnSources[key] || []).push(el);
      });
    }
    return svg.gnSources[id] || [];
  }

  // entry: a DiagramSet of render/html/diagram.py, [id, field, text, value, is new, ...].
  function apply(svg, entry, scale) {
    var id = entry[0], field = entry[1], text = entry[2], value = entry[3], isNew = entry[4];
    if (field === "v" && value !== null) {
      bySource(svg, id).forEach(function (edge) {
        edge.classList.toggle("gn-neg", value < 0);
        edge.classList.toggle("gn-pos", !(value < 0));
        all(edge, ".gn-line").forEach(function (line) {
          line.setAttribute("stroke-width", String(width(value, scale.w)));
        });
      });
    }
    byId(svg, id).forEach(function (el) {
      all(el, '[data-f="' + field + '"]').forEach(function (f) { f.textContent = text; });
      if (field !== "v") { return; }
      el.classList.toggle("gn-new", !!isNew);
      if (value === null) { return; }
      el.classList.toggle("gn-neg", value < 0);
      el.classList.toggle("gn-pos", !(value < 0));
      all(el, ".gn-line").forEach(function (line) {
        line.setAttribute("stroke-width", String(width(value, scale.w)));
      });
      all(el, ".gn-fill").forEach(function (fill) {
        fill.setAttribute("fill-opacity", String(shade(value, scale.v)));
      });
    });
  }

  function clear(svg) {
    all(svg, "[data-f]").forEach(function (f) { f.textContent = ""; });
    all(svg, ".gn-new").forEach(function (el) { el.classList.remove("gn-new"); });
    all(svg, ".gn-fill").forEach(function (f) { f.setAttribute("fill-opacity", "0"); });
  }

  // Lights up ids; of the weight labels hidden in a dense layer, shows those in ``labels``
  // (chosen in render/html/diagram.py so that they never cover each other).
  function highlight(svg, ids, labels) {
    all(svg, ".gn-hl").forEach(function (el) { el.classList.remove("gn-hl"); });
    all(svg, ".gn-show").forEach(function (el) { el.classList.remove("gn-show"); });
    ids.forEach(function (id) {
      byId(svg, id).forEach(function (el) { el.classList.add("gn-hl"); });
    });
    (labels || []).forEach(function (id) {
      byId(svg, id).forEach(function (el) {
        if (el.classList.contains("gn-wlabel")) { el.classList.add("gn-show"); }
      });
    });
    svg.classList.toggle("gn-dim", ids.length > 0);
  }

  // Scrolls the diagram's box so that the lit neurons (or the first of them, if they do not
  // all fit) are in view, then the page so that the box is.
  function reveal(svg, ids) {
    var view = svg.closest(".gn-view");
    if (!view) { return; }
    var boxes = [];
    ids.forEach(function (id) {
      byId(svg, id).forEach(function (el) {
        if (el.classList.contains("gn-node")) { boxes.push(el.getBoundingClientRect()); }
      });
    });
    if (!boxes.length) { return; }
    var frame = view.getBoundingClientRect();
    var box = {
      left: Math.min.apply(null, boxes.map(function (b) { return b.left; })),
      top: Math.min.apply(null, boxes.map(function (b) { return b.top; })),
      right: Math.max.apply(null, boxes.map(function (b) { return b.right; })),
      bottom: Math.max.apply(null, boxes.map(function (b) { return b.bottom; }))
    };
    if (box.right - box.left > view.clientWidth || box.bottom - box.top > view.clientHeight) {
      box = boxes[0];
    }
    var dx = box.left - frame.left, dy = box.top - frame.top;
    if (dx < 0 || box.right - frame.left > view.clientWidth) {
      view.scrollLeft += dx - (view.clientWidth - (box.right - box.left)) / 2;
    }
    if (dy < 0 || box.bottom - frame.top > view.clientHeight) {
      view.scrollTop += dy - (view.clientHeight - (box.bottom - box.top)) / 2;
    }
    var seen = view.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    if (seen.top < 0 || seen.bottom > height) {
      view.scrollIntoView({ block: seen.height > height ? "start" : "nearest" });
    }
  }

  function copy(node) {
    var clone = node.cloneNode(true);
    [clone].concat(all(clone, "*")).forEach(function (el) {
      el.removeAttribute("id");
      el.removeAttribute("aria-current");
      el.classList.remove("gn-current-step");
    });
    return clone;
  }

  // The first n significant digits of a finite v >= 0, and its decimal exponent, rounded
  // as Python rounds: the exact binary value to nearest, an exact tie to even
  // (toExponential breaks a tie away from zero, so a tie is looked for in 101 digits).
  function decimalDigits(v, n) {
    var near = v.toExponential(n - 1).split("e");
    var exact = v.toExponential(100).split("e");
    var all = exact[0].replace(".", "");
    var tie = all.charAt(n) === "5" && /^0*$/.test(all.slice(n + 1));
    if (tie && Number(all.charAt(n - 1)) % 2 === 0) {
      return [all.slice(0, n), Number(exact[1])];
    }
    return [near[0].replace(".", ""), Number(near[1])];
  }

  function trimZeros(text) {
    return text.indexOf(".") < 0 ? text : text.replace(/0+$/, "").replace(/\.$/, "");
  }

  // Python's "%.{n}g" of a finite double: exponent form below 1e-4 and from 10**n on.
  function formatG(v, n) {
    var negative = v < 0 || (v === 0 && 1 / v < 0);
    var found = decimalDigits(Math.abs(v), n), digits = found[0], exp = found[1];
    var text;
    if (exp < -4 || exp >= n) {
      var size = Math.abs(exp);
      text = trimZeros(digits.charAt(0) + "." + digits.slice(1)) + "e" + (exp < 0 ? "-" : "+") +
        (size < 10 ? "0" : "") + size;
    } else if (exp >= 0) {
      text = trimZeros(digits.slice(0, exp + 1) + "." + digits.slice(exp + 1));
    } else {
      text = trimZeros("0." + new Array(-exp).join("0") + digits);
    }
    return (negative ? "-" : "") + text;
  }

  // significant_digits of glassnet/render/text.py: wanted up to 15; past that, the fewest
  // (at most 17) that give the double back.
  function significantDigits(v, wanted) {
    if (wanted <= 15 || !isFinite(v)) { return wanted; }
    for (var k = 15; k < 17; k += 1) {
      if (k >= wanted || Number(formatG(v, k)) === v) { return k; }
    }
    return Math.min(wanted, 17);
  }

  // format_significant of glassnet/render/mathml.py (with text.significant_digits): digits
  // significant digits, past 15 only as many as tell the double apart; -0 is 0.
  function significant(v, digits) {
    if (isNaN(v)) { return "NaN"; }
    if (!isFinite(v)) { return v > 0 ? "∞" : "-∞"; }
    var text = formatG(v, significantDigits(v, digits));
    return text === "-0" ? "0" : text;
  }
  window.glassnetFormat = significant;

  // Python's "%.{d}f" of a finite double: toFixed rounds the exact binary value to nearest
  // but breaks an exact tie away from zero, Python to even. toFixed(100) is exact for the
  // values decimal gives it (at least 10**(3 - digits) >= 0.1, as the diagram has at most
  // DIAGRAM_DIGITS = 4 decimals: a double of 0.1 or more has at most 56 binary decimals).
  function fixed(v, d) {
    var a = Math.abs(v), text = a.toFixed(d), exact = a.toFixed(100);
    var point = exact.indexOf("."), cut = d > 0 ? point + 1 + d : point;
    if (/^50*$/.test(exact.slice(d > 0 ? cut : point + 1))) {
      var kept = exact.slice(0, cut);
      if (Number(kept.charAt(kept.length - 1)) % 2 === 0) { text = kept; }
    }
    return (v < 0 ? "-" : "") + text;
  }

  // format_decimal of glassnet/render/mathml.py, for the diagram's labels: digits decimal
  // places, trailing zeros dropped; significant digits below 10**(3 - digits) and from a
  // million on. Math.log10 and Python's math.log10 agree on the floor (tested against
  // Python around every power of ten in tests/test_live_numbers.py).
  function decimal(v, digits) {
    if (isNaN(v)) { return "NaN"; }
    if (!isFinite(v)) { return v > 0 ? "∞" : "-∞"; }
    if (v === 0) { return "0"; }
    var a = Math.abs(v), text;
    if (Number("1e" + (3 - digits)) <= a && a < 1e6) {
      var leading = Math.floor(Math.log10(a));
      var decimals = significantDigits(v, digits + leading + 1) - leading - 1;
      text = trimZeros(fixed(v, Math.max(0, Math.min(digits, decimals))));
    } else {
      text = formatG(v, significantDigits(v, digits));
    }
    return text === "-0" ? "0" : text;
  }
  window.glassnetDecimal = decimal;

  var MATHML = "http://www.w3.org/1998/Math/MathML";

  // MathMLFormatter.number: <mn>, or − and <mn> in an <mrow> for a negative number.
  function mathNumber(text) {
    var mn = document.createElementNS(MATHML, "mn");
    if (text.charAt(0) !== "-") { mn.textContent = text; return mn; }
    var row = document.createElementNS(MATHML, "mrow");
    var mo = document.createElementNS(MATHML, "mo");
    mo.textContent = "−";
    mn.textContent = text.slice(1);
    row.appendChild(mo);
    row.appendChild(mn);
    return row;
  }

  // MathMLFormatter.parens: ( and ) around a MathML element, in an <mrow>.
  function mathParens(node) {
    var row = document.createElementNS(MATHML, "mrow");
    ["(", node, ")"].forEach(function (part) {
      if (typeof part !== "string") { row.appendChild(part); return; }
      var mo = document.createElementNS(MATHML, "mo");
      mo.textContent = part;
      row.appendChild(mo);
    });
    return row;
  }

  function copyState(state) { return JSON.parse(JSON.stringify(state)); }

  // Whether two states (JSON values) hold the same numbers and choices.
  function same(a, b) {
    if (a === b) { return true; }
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
      return typeof a === "number" && typeof b === "number" && isNaN(a) && isNaN(b);
    }
    var ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every(function (k) {
      return Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]);
    });
  }

  function has(values, name) { return Object.prototype.hasOwnProperty.call(values, name); }

  // Every element that carries a check name (data-name) gets the full double the generated
  // step computed for it (data-value) and its text; data-gn-live marks it as written here.
  // A step's value (.gn-value) is "= value" in <math>; a number inside a formula
  // (.gn-num in MathML, MathMLFormatter.live_number) is the number, in brackets where it
  // is negative and data-paren says its place needs them; .gn-num in HTML is plain text.
  // A name the step did not compute (a step that another activation or loss does not have)
  // keeps its old text, marked gn-stale and no longer data-gn-live, never passed off as new.
  function writeValues(root, values, digits, shown) {
    all(root, "[data-name]").forEach(function (el) {
      var name = el.getAttribute("data-name");
      el.classList.toggle("gn-stale", !has(values, name));
      if (!has(values, name)) { el.removeAttribute("data-gn-live"); return; }
      el.setAttribute("data-value", String(values[name]));
      var text = significant(shown(name), digits);
      if (el.classList.contains("gn-num")) {
        if (el.namespaceURI !== MATHML) {
          el.textContent = text;
        } else {
          var number = mathNumber(text);
          var paren = el.hasAttribute("data-paren") && text.charAt(0) === "-";
          el.replaceChildren(paren ? mathParens(number) : number);
        }
      } else {
        var math = el.querySelector("math");
        if (math && math.firstElementChild) {
          math.replaceChildren(math.firstElementChild, mathNumber(text));
        }
      }
      el.setAttribute("data-gn-live", "1");
    });
  }

  // The largest |value| of each group of names, then of the groups (at least 1e-12), as
  // diagram_scales in render/html/drawing.py takes it: NumPy's max of a group with a NaN
  // is NaN, which Python's max then passes over. Layout, like width and shade.
  function largest(values, groups) {
    var most = 1e-12;
    groups.forEach(function (names) {
      var group = -Infinity;
      names.forEach(function (name) {
        var v = has(values, name) ? Math.abs(values[name]) : NaN;
        group = isNaN(v) || isNaN(group) ? NaN : Math.max(group, v);
      });
      if (group > most) { most = group; }
    });
    return most;
  }

  function makeView(root, data) {
    var steps = window.glassnetSteps || {};
    var step = steps[root.id];
    var live = typeof step === "function" && !!data.given;
    var listeners = [];
    var notice = root.querySelector(".gn-notice");
    // Rounding noise (a sum that is 0 to a learner but not quite in float64) shows as 0, as in
    // every format. The flag is Python's judgement of the file's numbers (mark_noise), and
    // the script cannot judge a new sum without arithmetic of its own; so a value keeps
    // showing 0 while the generated step gives exactly the double it gives for the file's
    // numbers (the same sum of the same terms: an edit of eta leaves the forward pass's
    // noise), and shows its exact double once an edit changes it.
    var noisy = {};
    all(root, ".gn-value[data-noise][data-name]").forEach(function (el) {
      noisy[el.getAttribute("data-name")] = true;
    });
    var fileValues = {};
    function shown(name) {
      var value = view.values[name];
      return noisy[name] === true && value === fileValues[name] ? 0 : value;
    }
    var view = {
      root: root,
      data: data,
      live: live,
      file: live ? data.given : null,
      state: live ? copyState(data.given) : null,
      values: {},
      format: function (v) { return significant(v, data.digits); },
      copyState: copyState,
      step: function (state) {
        return step(state.p, state.X, state.T, state.eta, state);
      },
      on: function (fn) { listeners.push(fn); },
      notice: function (text) {
        if (!notice) { return; }
        notice.textContent = text;
        notice.hidden = !text;
      },
      go: function () {},
      refresh: function () {},
      shown: shown,
      // The scales of the diagram's line widths and shades: the file's (with any training
      // history shown) until an edit, then the largest weights and outputs of the state shown.
      scale: function () {
        if (!live || same(view.state, view.file) || !data.diagram) { return data.scale; }
        return {
          w: largest(view.values, data.diagram.scale.w),
          v: largest(view.values, data.diagram.scale.v)
        };
      },
      set: function (state) {
        if (!live) { return; }
        view.state = copyState(state);
        view.values = view.step(view.state);
        writeValues(root, view.values, data.digits, shown);
        showChoice(view.state);
        view.refresh();
        listeners.forEach(function (fn) { fn(view); });
        root.dispatchEvent(new CustomEvent("glassnet:update", { detail: view }));
      }
    };
    // The header names each layer's activation and the loss; the steps' formulas are the
    // file's, so a switch hides them (gn-switched, see page.py switch_note).
    function showChoice(state) {
      var file = view.file;
      var acts = state.acts || file.acts || [], loss = state.loss || file.loss;
      all(root, ".gn-head .gn-act").forEach(function (el) {
        var k = Number(el.getAttribute("data-layer"));
        if (acts[k]) { el.textContent = acts[k]; }
      });
      all(root, ".gn-head .gn-loss").forEach(function (el) { if (loss) { el.textContent = loss; } });
      var switched = loss !== file.loss || JSON.stringify(acts) !== JSON.stringify(file.acts || []);
      root.classList.toggle("gn-switched", switched);
    }
    if (live) {
      view.values = view.step(view.state);
      fileValues = view.values;
      writeValues(root, view.values, data.digits, shown);
    }
    return view;
  }

  function init(root) {
    var holder = root.querySelector("script.gn-data");
    if (!holder) { return; }
    var data = JSON.parse(holder.textContent);
    var gnView = makeView(root, data);
    root.setAttribute("data-gn-ready", "1");
    root.classList.add("gn-has-js");
    all(root, ".gn-js").forEach(function (el) { el.hidden = false; });

    var svg = root.querySelector("svg.gn-diagram:not(.gn-mini)");
    var status = root.querySelector(".gn-status");
    var current = root.querySelector(".gn-current-body");
    var derivation = root.querySelector(".gn-derivation-body");
    var stops = data.stops;
    var index = 0;
    // Looked up once: the list of every step below can hold many thousands of elements.
    var goButtons = all(root, "[data-go]");
    var paramButtons = all(root, "[data-param][aria-pressed]");
    var sampleButtons = all(root, "[data-sample]");
    var marked = [];  // the steps marked as the current one
    var sample = 0;  // the sample of a batch that the diagram shows
    var note = root.querySelector(".gn-sample-note");

    function ofSample(entry) { return entry[5] < 0 || entry[5] === sample; }

    // A diagram value as the view's numbers show it: an entry naming a value of the
    // explanation (entry[6], with the text before it in entry[7]) gets the generated
    // step's value, its label written as format_decimal writes Python's.
    function showing(entry) {
      var name = entry[6];
      if (!gnView.live || !name || !has(gnView.values, name)) { return entry; }
      var value = gnView.shown(name);
      var text = entry[7] + decimal(value, data.diagram.digits);
      // A non-finite value is null, as in Python's JSON: the label says it, lines keep theirs.
      return [entry[0], entry[1], text, isFinite(value) ? value : null, entry[4], entry[5]];
    }

    // The diagram after the stops up to this one: each field's latest value, written once.
    function paint() {
      var latest = {}, order = [];
      var keep = function (e) {
        if (!ofSample(e)) { return; }
        var key = e[0] + " " + e[1];
        if (!(key in latest)) { order.push(key); }
        latest[key] = e;
      };
      data.base.forEach(keep);
      for (var k = 0; k <= index; k += 1) { stops[k].set.forEach(keep); }
      clear(svg);
      var scale = gnView.scale();
      order.forEach(function (key) { apply(svg, showing(latest[key]), scale); });
      if (data.samples > 1) {
        note.textContent = "The diagram shows sample " + (sample + 1) + " of " + data.samples + ".";
        sampleButtons.forEach(function (b) {
          var pressed = Number(b.getAttribute("data-sample")) === sample;
          b.setAttribute("aria-pressed", pressed ? "true" : "false");
        });
      }
    }

    function find(id) { return root.querySelector("#" + CSS.escape(id)); }

    function show(i, moved) {
      index = Math.max(0, Math.min(stops.length - 1, i));
      var stop = stops[index];
      if (stop.sm >= 0) { sample = stop.sm; }
      paint();
      highlight(svg, stop.hl, stop.lb);
      if (moved) { reveal(svg, stop.hl); }
      status.textContent = "Step " + (index + 1) + " of " + stops.length + ": " + stop.t;
      goButtons.forEach(function (b) {
        var go = b.getAttribute("data-go");
        b.disabled = (go === "first" || go === "prev") ? index === 0 : index === stops.length - 1;
      });
      marked.forEach(function (el) {
        el.classList.remove("gn-current-step");
        el.removeAttribute("aria-current");
      });
      var block = find(stop.b);
      marked = stop.s ? stop.s.map(find) : [block];
      marked.forEach(function (el) {
        el.classList.add("gn-current-step");
        el.setAttribute("aria-current", "step");
      });
      var view;
      if (stop.s) {
        view = document.createElement("div");
        view.className = "gn-block";
        view.appendChild(copy(block.querySelector("h4")));
        var list = document.createElement("ol");
        list.className = "gn-list";
        marked.forEach(function (el) { list.appendChild(copy(el)); });
        view.appendChild(list);
      } else {
        view = copy(block);
      }
      current.replaceChildren(view);
      paramButtons.forEach(function (b) {
        b.setAttribute("aria-pressed", "false");
      });
      root.removeAttribute("data-gn-param");
    }

    var derived = null;  // the parameter whose derivation the panel shows

    // The derivation panel: copies of the steps of a parameter's chain rule and update.
    function derive(pid) {
      var param = data.params[pid];
      var view = document.createElement("div");
      var title = document.createElement("h3");
      title.textContent = "Derivation of " + param.name;
      view.appendChild(title);
      var intro = document.createElement("p");
      intro.textContent = "The chain rule from E_total back to " + param.name +
        ", with the numbers, then its update:";
      view.appendChild(intro);
      param.blocks.forEach(function (b) { view.appendChild(copy(find(b))); });
      if (param.steps.length) {
        var update = document.createElement("ol");
        update.className = "gn-list gn-update";
        param.steps.forEach(function (s) { update.appendChild(copy(find(s))); });
        view.appendChild(update);
      }
      derivation.replaceChildren(view);
      derived = pid;
    }

    function select(pid, quiet) {
      var param = data.params[pid];
      if (!param) { return; }
      derive(pid);
      highlight(svg, param.hl, param.lb);
      // Bring the derivation into view unless it already starts in the upper half.
      var top = derivation.getBoundingClientRect().top;
      if (!quiet && (top < 0 || top > (window.innerHeight || 0) * 0.5)) {
        derivation.closest("section").scrollIntoView({ block: "start" });
      }
      paramButtons.forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-param") === pid ? "true" : "false");
      });
      root.setAttribute("data-gn-param", pid);
    }

    root.addEventListener("click", function (event) {
      var go = event.target.closest("[data-go]");
      if (go) {
        var to = { first: 0, prev: index - 1, next: index + 1, last: stops.length - 1 };
        show(to[go.getAttribute("data-go")], true);
        return;
      }
      var pick = event.target.closest("[data-sample]");
      if (pick) {
        sample = Number(pick.getAttribute("data-sample"));
        paint();
        return;
      }
      var param = event.target.closest("[data-param]");
      if (param && !param.closest(".gn-mini")) { select(param.getAttribute("data-param")); }
    });

    var keys = root.getAttribute("data-gn-keys") === "page" ? document : root;
    keys.addEventListener("keydown", function (event) {
      var tag = event.target && event.target.tagName;
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) { return; }
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
      if (event.target && event.target.isContentEditable) { return; }
      if (event.key === "ArrowRight") { show(index + 1, true); event.preventDefault(); }
      else if (event.key === "ArrowLeft") { show(index - 1, true); event.preventDefault(); }
    });

    var slider = root.querySelector("input[type=range]");
    if (slider && data.history) {
      var mini = root.querySelector("svg.gn-mini");
      var marker = root.querySelector(".gn-marker");
      var caption = root.querySelector(".gn-slider-text");
      var h = data.history;
      var move = function () {
        var p = Number(slider.value);
        marker.setAttribute("cx", String(h.cx[p]));
        marker.setAttribute("cy", String(h.cy[p]));
        caption.textContent = h.caption[p];
        slider.setAttribute("aria-valuetext", h.caption[p]);
        if (mini && h.sets) {
          h.sets[p].forEach(function (e) { apply(mini, e, data.scale); });
        }
      };
      slider.addEventListener("input", move);
      move();
    }
    show(0);

    gnView.go = function (i) { show(i, true); };
    // After an edit: the current stop and the derivation panel again, copied from the steps
    // with their new numbers; a parameter chosen since the last step keeps its highlight.
    gnView.refresh = function () {
      var open = root.getAttribute("data-gn-param");
      show(index);
      if (open) { select(open, true); } else if (derived) { derive(derived); }
    };
    (window.glassnetPlugins || []).forEach(function (plugin) { plugin(gnView); });
    (window.glassnetViews = window.glassnetViews || {})[root.id] = gnView;
  }

  all(document, ".glassnet:not([data-gn-ready])").forEach(init);
  // The plugins were this script's views' own: a notebook's next view registers its own.
  window.glassnetPlugins = [];
})();
