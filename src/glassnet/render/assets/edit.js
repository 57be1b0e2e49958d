/* glassnet, the live page's edit part: every given value edited in place (on the diagram or
 * under "Given"), each layer's activation and the loss switched, the state kept in the URL
 * fragment, Reset and Download. The rules are glassnet/live.py's, written by Python into
 * view.data.edit:
 *
 *   slots    [check name, kind, sample, index, diagram id] of every given value; kind "x"
 *            X[sample][index], "t" T[sample][index], "p" p[index], "eta"
 *   layers   each layer's description ("hidden layer", "output layer")
 *   acts, loss   the file's activations and loss
 *   number   the grammar of a number (a regular expression's source)
 *   rules    each loss's rule for one sample's targets {low, high, sum, tol}
 *   toml     the example file's template: text, ["n", name], ["a", layer, settings], ["l"]
 *   file     the downloaded file's name
 *
 * It adds to the view:
 *   view.fragment()   the current state as a fragment (no "#"): the values that differ from
 *                     the file's, e.g. "w5=0.3&i1%5B2%5D=1&act2=tanh&loss=mse"
 *   view.load(text)   show the file's values with a fragment's edits: true; for a malformed
 *                     fragment false, a notice, and the file's values (view.problem says why)
 *   view.problem      "" or "key: what was expected" of the last refused fragment
 *   view.toml()       the shown state as an example file (what Download saves)
 */
(window.glassnetPlugins = window.glassnetPlugins || []).push(function (view) {
  "use strict";
  var edit = view.data.edit;
  if (!view.live || !edit) { return; }
  var root = view.root;
  var page = root.getAttribute("data-gn-keys") === "page";
  var numberPattern = new RegExp("^(?:" + edit.number + ")$");
  var slots = edit.slots.map(function (r) {
    return { name: r[0], kind: r[1], sample: r[2], index: r[3], diagram: r[4] };
  });
  var byName = {};
  slots.forEach(function (slot) { byName[slot.name] = slot; });
  var nLayers = edit.acts.length;
  // The switches exist where the generated step takes a choice (data.choices); without
  // them each layer keeps the file's activation and the file's loss.
  var switches = !!view.data.choices;
  var choices = view.data.choices || {
    acts: edit.acts.map(function (a) { return [a]; }),
    losses: (function () { var l = {}; l[edit.acts[nLayers - 1]] = [edit.loss]; return l; })()
  };
  var own = Object.prototype.hasOwnProperty;

  // -- the state ---------------------------------------------------------------------

  function fileState() {
    var state = view.copyState(view.file);
    state.acts = edit.acts.slice();
    state.loss = edit.loss;
    return state;
  }

  function current() {
    var state = view.copyState(view.state);
    if (!state.acts) { state.acts = edit.acts.slice(); }
    if (!state.loss) { state.loss = edit.loss; }
    return state;
  }

  function get(state, slot) {
    if (slot.kind === "x") { return state.X[slot.sample][slot.index]; }
    if (slot.kind === "t") { return state.T[slot.sample][slot.index]; }
    if (slot.kind === "p") { return state.p[slot.index]; }
    return state.eta;
  }

  function put(state, slot, value) {
    if (slot.kind === "x") { state.X[slot.sample][slot.index] = value; }
    else if (slot.kind === "t") { state.T[slot.sample][slot.index] = value; }
    else if (slot.kind === "p") { state.p[slot.index] = value; }
    else { state.eta = value; }
  }

  // -- the rules (glassnet/live.py) ------------------------------------------------------

  // The double of a typed or linked number, or a problem: decimal only, finite,
  // and for the learning rate > 0.
  function readNumber(text, slot) {
    var value = numberPattern.test(text) ? Number(text) : NaN;
    if (!isFinite(value)) { return { problem: "expected a finite number, got '" + text + "'" }; }
    if (slot.kind === "eta" && !(value > 0)) {
      return { problem: "expected a number > 0, got '" + text + "'" };
    }
    // -0 reads as 0: view.state is copied through JSON, which drops the sign.
    return { value: value + 0 };
  }

  // Loss.bad_target of one sample's targets: "" when the loss accepts them.
  function targetProblem(loss, row) {
    var rule = edit.rules[loss];
    if (!rule) { return ""; }
    var sum = 0, ok = true;
    row.forEach(function (t) {
      sum += t;
      if ((rule.low !== null && !(t >= rule.low)) || (rule.high !== null && !(t <= rule.high))) {
        ok = false;
      }
    });
    if (rule.sum && Math.abs(sum - 1) > rule.tol) { ok = false; }
    if (ok) { return ""; }
    return loss + " needs targets " + (rule.sum
      ? ">= " + rule.low + " that sum to 1"
      : "in [" + rule.low + ", " + rule.high + "]");
  }

  // What is wrong with a whole state's choices and targets: null or [key, problem].
  function stateProblem(state) {
    var output = state.acts[nLayers - 1];
    var losses = choices.losses[output] || [];
    if (losses.indexOf(state.loss) < 0) {
      return ["loss", "expected one of " + losses.join(", ") + " with a " + output +
        " output layer, got '" + state.loss + "'"];
    }
    for (var s = 0; s < state.T.length; s += 1) {
      var problem = targetProblem(state.loss, state.T[s]);
      if (problem) {
        var first = slots.filter(function (x) { return x.kind === "t" && x.sample === s; })[0];
        return [first.name, problem];
      }
    }
    return null;
  }

  function decode(part) {
    if (/%(?![0-9A-Fa-f]{2})/.test(part)) {
      throw ["", "'" + part + "': a % must start an escape such as %5B"];
    }
    try { return decodeURIComponent(part); }
    catch (e) { throw ["", "'" + part + "': its escapes are not UTF-8 text"]; }
  }

  // The file's state with a fragment's edits, or throws [key, problem].
  function parse(text) {
    var state = fileState(), seen = {};
    text.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var at = part.indexOf("=");
      if (at < 0) { throw ["", "'" + part + "': expected name=value"]; }
      var key = decode(part.slice(0, at)), value = decode(part.slice(at + 1));
      if (own.call(seen, key)) { throw [key, "given twice"]; }
      seen[key] = true;
      var act = /^act([1-9][0-9]*)$/.exec(key);
      if (own.call(byName, key)) {
        var read = readNumber(value, byName[key]);
        if (read.problem) { throw [key, read.problem]; }
        put(state, byName[key], read.value);
      } else if (act && Number(act[1]) <= nLayers) {
        var allowed = choices.acts[Number(act[1]) - 1];
        if (allowed.indexOf(value) < 0) {
          throw [key, "expected one of " + allowed.join(", ") + ", got '" + value + "'"];
        }
        state.acts[Number(act[1]) - 1] = value;
      } else if (key === "loss") {
        state.loss = value;
      } else {
        throw [key, "unknown name; expected a given value's name, act1…act" + nLayers +
          " or loss"];
      }
    });
    var problem = stateProblem(state);
    if (problem) { throw problem; }
    return state;
  }

  // JavaScript's shortest round-trip text of a double, with -0 kept.
  function numText(v) { return Object.is(v, -0) ? "-0" : String(v); }

  function fragmentKey(name) {
    return encodeURIComponent(name).replace(/%5B/g, "[").replace(/%5D/g, "]");
  }

  view.problem = "";

  view.fragment = function () {
    var now = current(), file = fileState(), parts = [];
    slots.forEach(function (slot) {
      var a = get(now, slot);
      if (!Object.is(a, get(file, slot))) { parts.push(fragmentKey(slot.name) + "=" + numText(a)); }
    });
    now.acts.forEach(function (a, k) {
      if (a !== file.acts[k]) { parts.push("act" + (k + 1) + "=" + a); }
    });
    if (now.loss !== file.loss) { parts.push("loss=" + now.loss); }
    return parts.join("&");
  };

  view.load = function (text) {
    var state;
    try {
      state = parse(String(text));
    } catch (problem) {
      if (!Array.isArray(problem)) { throw problem; }
      view.problem = problem[0] ? problem[0] + ": " + problem[1] : problem[1];
      view.notice("The link's edits were not applied (" + view.problem +
        "); showing the file's values.");
      show(fileState());
      return false;
    }
    view.problem = "";
    view.notice("");
    show(state);
    return true;
  };

  view.toml = function () {
    var state = current();
    return edit.toml.map(function (piece) {
      if (typeof piece === "string") { return piece; }
      if (piece[0] === "n") {
        var text = numText(get(state, byName[piece[1]]));
        return /^-?[0-9]+$/.test(text) ? text + ".0" : text;
      }
      if (piece[0] === "a") {
        var name = state.acts[piece[1]];
        return '"' + name + '"' + (name === edit.acts[piece[1]] ? piece[2] : "");
      }
      return '"' + state.loss + '"';
    }).join("");
  };

  // -- showing a state, and the fragment ---------------------------------------------------

  function show(state) {
    close(false);
    view.set(state);
    syncChoices();
  }

  function writeFragment() {
    if (!page) { return; }
    var text = view.fragment();
    try {
      history.replaceState(history.state, "", text ? "#" + text :
        location.pathname + location.search);
    } catch (e) {
      // A sandboxed frame may refuse; the page still shows the edit.
    }
  }

  // An edit by the learner: shown, and written into the fragment.
  function commit(state) {
    view.problem = "";
    view.notice("");
    show(state);
    writeFragment();
  }

  // -- editing one value in place -------------------------------------------------------

  var editor = null;  // {slot, box, input, message, anchor}

  function close(refocus) {
    if (!editor) { return; }
    var was = editor;
    editor = null;
    was.box.remove();
    if (was.anchor) {
      was.anchor.classList.remove("gn-editing");
      if (refocus) { was.anchor.focus(); }
    }
  }

  function open(slot, anchor, over) {
    close(false);
    var box = document.createElement("span");
    box.className = "gn-edit-box";
    var input = document.createElement("input");
    input.type = "text";
    input.className = "gn-edit-input";
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("aria-label", "New value of " + slot.name +
      " (Enter applies, Escape cancels)");
    input.value = numText(get(current(), slot));
    var message = document.createElement("span");
    message.className = "gn-edit-msg";
    message.setAttribute("role", "alert");
    var id = root.id + "-edit-msg";
    message.id = id;
    input.setAttribute("aria-describedby", id);
    var label = document.createElement("span");
    label.className = "gn-edit-name";
    // Under "Given" the name is already beside the field; on the diagram it says which.
    label.textContent = anchor ? "=" : slot.name + " =";
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(message);
    editor = { slot: slot, box: box, input: input, message: message, anchor: anchor };
    if (anchor) {
      anchor.classList.add("gn-editing");
      anchor.insertAdjacentElement("afterend", box);
    } else {
      place(box, over);
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); apply(); }
      else if (event.key === "Escape") { event.preventDefault(); close(true); }
    });
    input.addEventListener("blur", function () {
      // Leaving the field cancels, unless the focus only moved within the editor.
      setTimeout(function () {
        if (editor && editor.input === input && !box.contains(document.activeElement)) {
          close(false);
        }
      }, 0);
    });
    input.focus();
    input.select();
  }

  // The editor of a value on the diagram floats over it, inside the diagram's scroll box.
  function place(box, over) {
    var frame = over.closest(".gn-view") || root;
    box.classList.add("gn-edit-float");
    frame.appendChild(box);
    var at = over.getBoundingClientRect(), outer = frame.getBoundingClientRect();
    var left = at.left - outer.left + frame.scrollLeft - 4;
    var room = frame.scrollLeft + frame.clientWidth - box.offsetWidth;
    box.style.setProperty("left", Math.max(frame.scrollLeft, Math.min(left, room)) + "px");
    box.style.setProperty("top", (at.top - outer.top + frame.scrollTop - 6) + "px");
  }

  function refuse(problem) {
    editor.message.textContent = problem;
    editor.input.setAttribute("aria-invalid", "true");
    editor.input.focus();
  }

  function apply() {
    var slot = editor.slot;
    var read = readNumber(editor.input.value.trim(), slot);
    if (read.problem) { refuse(read.problem); return; }
    var state = current();
    put(state, slot, read.value);
    var problem = stateProblem(state);
    if (problem) { refuse(problem[1]); return; }
    var anchor = editor.anchor;
    close(false);
    commit(state);
    if (anchor && document.body.contains(anchor)) { anchor.focus(); }
  }

  // Every given value under "Given" (and its copies in the panels) is a button that edits it.
  function decorate() {
    Array.prototype.forEach.call(root.querySelectorAll(".gn-given [data-name]"), function (el) {
      var slot = byName[el.getAttribute("data-name")];
      if (!slot) { return; }
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
      el.classList.add("gn-editable");
      el.setAttribute("aria-label", slot.name + " = " + view.format(get(current(), slot)) +
        "; press Enter to edit");
    });
  }

  function editable(target) {
    var el = target.closest ? target.closest(".gn-editable[data-name]") : null;
    return el && root.contains(el) ? el : null;
  }

  root.addEventListener("click", function (event) {
    if (editor && editor.box.contains(event.target)) { return; }
    var el = editable(event.target);
    if (el) { open(byName[el.getAttribute("data-name")], el, null); return; }
    // After glassnet.js's own listener: a weight's or bias's derivation opens as before,
    // and the field opens over the value that was clicked.
    var slot = onDiagram(event.target);
    if (slot) { open(slot, null, event.target.closest("[data-f]")); }
  });

  root.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    var el = editable(event.target);
    if (!el || event.target !== el) { return; }
    event.preventDefault();
    open(byName[el.getAttribute("data-name")], el, null);
  });

  // The given value a click on the diagram's text means: an input's value, a weight's or
  // bias's value, an output's target (of the sample the diagram shows).
  function onDiagram(target) {
    var text = target.closest ? target.closest("[data-f]") : null;
    var svg = text && text.closest("svg.gn-diagram");
    if (!svg || svg.classList.contains("gn-mini")) { return null; }
    var group = text.closest("[data-id]");
    if (!group) { return null; }
    var id = group.getAttribute("data-id"), field = text.getAttribute("data-f");
    var pressed = root.querySelector(".gn-samples [aria-pressed=true]");
    var sample = pressed ? Number(pressed.getAttribute("data-sample")) : 0;
    var kind = null;
    if (field === "v" && /^x/.test(id)) { kind = "x"; }
    else if (field === "v" && /^[wb]/.test(id)) { kind = "p"; }
    else if (field === "t") { kind = "t"; }
    if (!kind) { return null; }
    return slots.filter(function (slot) {
      return slot.kind === kind && slot.diagram === id && (kind === "p" || slot.sample === sample);
    })[0] || null;
  }

  // -- activation and loss switches, Reset, Download --------------------------------------

  var panel = root.querySelector(".gn-edit");
  var holder = panel && panel.querySelector(".gn-choices");
  var selects = [];  // one per layer, then the loss
  var choiceMessage = panel && panel.querySelector(".gn-choice-msg");

  function option(select, name) {
    var o = document.createElement("option");
    o.value = name;
    o.textContent = name;
    select.appendChild(o);
  }

  function makeSelect(key, text) {
    var label = document.createElement("label");
    label.className = "gn-choice";
    var caption = document.createElement("span");
    caption.textContent = text;
    var select = document.createElement("select");
    select.setAttribute("data-choice", key);
    label.appendChild(caption);
    label.appendChild(select);
    holder.appendChild(label);
    select.addEventListener("change", function () { choose(key, select.value); });
    return select;
  }

  function syncChoices() {
    if (!selects.length) { return; }
    var state = current();
    state.acts.forEach(function (a, k) { selects[k].value = a; });
    var loss = selects[nLayers];
    loss.replaceChildren();
    (choices.losses[state.acts[nLayers - 1]] || []).forEach(function (l) { option(loss, l); });
    loss.value = state.loss;
  }

  function choose(key, value) {
    var state = current();
    if (key === "loss") { state.loss = value; } else { state.acts[Number(key.slice(3)) - 1] = value; }
    var problem = stateProblem(state);
    if (problem) {
      choiceMessage.textContent = key + ": " + (problem[0] === "loss"
        ? "the loss " + state.loss + " needs another output activation; switch the loss first"
        : problem[1]);
      syncChoices();
      return;
    }
    choiceMessage.textContent = "";
    commit(state);
  }

  if (holder && switches) {
    edit.acts.forEach(function (a, k) {
      var select = makeSelect("act" + (k + 1), "act" + (k + 1) + " · " + edit.layers[k]);
      choices.acts[k].forEach(function (name) { option(select, name); });
      selects.push(select);
    });
    selects.push(makeSelect("loss", "loss"));
    syncChoices();
  }

  var reset = panel && panel.querySelector(".gn-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      if (choiceMessage) { choiceMessage.textContent = ""; }
      commit(fileState());
    });
  }

  var download = panel && panel.querySelector(".gn-download");
  if (download) {
    download.addEventListener("click", function () {
      var blob = new Blob([view.toml()], { type: "application/toml" });
      var url = URL.createObjectURL(blob);
      var link = document.createElement("a");
      link.href = url;
      link.download = edit.file;
      link.hidden = true;
      root.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    });
  }

  view.on(decorate);
  decorate();
  if (page) {
    if (location.hash.length > 1) { view.load(location.hash.slice(1)); }
    window.addEventListener("hashchange", function () { view.load(location.hash.slice(1)); });
  }
});
