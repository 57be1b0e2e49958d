/* glassnet: train on the page (a plugin of the view of glassnet.js; its section is written by
 * _Page.train_controls in glassnet/render/html/page.py).
 *
 * Train runs full-batch gradient-descent updates live, Pause stops, Step makes one update,
 * Reset training goes back to the state before the first update; the loss curve grows as
 * it runs. The updates are the generated code's, never arithmetic of this file:
 *   window.glassnetTrain[view id](p, X, T, eta, steps, choice) -> {done, p, losses, bad}
 *     (the training loop of glassnet train, glassnet/fast/javascript.py), called in chunks,
 *     one per animation frame, each continuing from the parameters the last returned;
 *   where the page has no training loop (networks glassnet train runs with NumPy), the
 *     generated step, view.step(state), once per update: the parameters after it are its
 *     values "w5+", "b1+", … (data.train.names: the check names in parameter order).
 * After k updates the view is set to the parameters after them (view.set), so the diagram,
 * This step and Every step show update k + 1, computed from those parameters: the numbers
 * of that update exactly. A non-finite loss stops training before that update is applied;
 * the view keeps the last good parameters and the message names the update.
 * Text is written with textContent only; the curve is SVG built with DOM methods. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  // The curve: at most this many points (evenly spaced updates, always the first and last).
  var MAX_POINTS = 600;
  // The plot's box in SVG units (about pixels: the width follows the section's, from
  // MIN_W to MAX_W, so the labels keep their size on a phone) and the margins of the axes.
  var MIN_W = 300, MAX_W = 640, H = 250, LEFT = 58, RIGHT = 16, TOP = 14, BOTTOM = 46;
  // Without a training loop: at most this many milliseconds of single steps per frame.
  var STEP_BUDGET_MS = 30;
  // While running faster than an update a frame, the whole view (diagram, steps) is set at
  // most this often: laying out the page's formulas again takes longer than a frame.
  var SHOW_EVERY_MS = 500;

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // 10 to the power e as text: "10⁻³".
  function power(e) {
    var up = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷",
      8: "⁸", 9: "⁹" };
    return "10" + String(e).split("").map(function (c) { return up[c]; }).join("");
  }

  function updates(n) { return grouped(n) + (n === 1 ? " update" : " updates"); }

  function node(name, attrs, text) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) { el.textContent = text; }
    return el;
  }

  // Up to ``most`` evenly spaced indices of 0 … n - 1, the first and last always
  // (as training.spread does for the static curve).
  function spread(n, most) {
    var out = [], k, last = -1;
    if (n <= most) {
      for (k = 0; k < n; k += 1) { out.push(k); }
      return out;
    }
    for (k = 0; k < most; k += 1) {
      var i = Math.round(k * (n - 1) / (most - 1));
      if (i !== last) { out.push(i); last = i; }
    }
    return out;
  }

  // "f100": 100 updates an animation frame; "s4": 4 updates a second.
  function speedOf(value) {
    var match = /^([fs])(\d+)$/.exec(value || "");
    if (!match) { return { frame: true, n: 1000 }; }
    return { frame: match[1] === "f", n: Number(match[2]) };
  }

  function plugin(view) {
    var section = view.root.querySelector(".gn-train");
    if (!section) { return; }
    if (!view.live || !view.data.train) { section.hidden = true; return; }
    var names = view.data.train.names;
    var most = view.data.train.max;
    var loop = (window.glassnetTrain || {})[view.root.id];
    var buttons = {};
    Array.prototype.forEach.call(section.querySelectorAll("[data-train]"), function (b) {
      buttons[b.getAttribute("data-train")] = b;
    });
    var stepsField = section.querySelector(".gn-train-steps");
    var speedField = section.querySelector(".gn-train-speed");
    var count = section.querySelector(".gn-train-count");
    var message = section.querySelector(".gn-train-message");
    var plot = section.querySelector(".gn-train-plot");

    var base = null;      // the state before the first update (X, T, eta, choices and p)
    var params = null;    // the parameters after ``done`` updates
    var done = 0;
    var losses = [];      // losses[k]: E_total after k updates
    var target = null;    // the update count the current run stops at; null: no run
    var running = false;
    var frameId = 0;
    var lastTime = null;  // the last frame's time, for the speeds per second
    var credit = 0;       // updates due at a speed per second, not yet made
    var shownAt = 0;      // when the view was last set while running
    var mine = false;     // true while this part sets the view itself

    // --- the state -------------------------------------------------------------

    function stateOf(p) {
      var state = view.copyState(base);
      state.p = p.slice();
      return state;
    }

    // A new start from the view's state (on load, and after any edit elsewhere).
    function rebase() {
      base = view.copyState(view.state);
      params = base.p.slice();
      done = 0;
      losses = [view.step(base).E_total];
      target = null;
    }

    // Shows the state after ``done`` updates everywhere on the page.
    function show() {
      mine = true;
      try {
        view.set(stateOf(params));
      } finally {
        mine = false;
      }
    }

    // Up to n updates from ``params``; returns the non-finite loss that stopped them, or 0.
    function advance(n) {
      if (loop) {
        var r = loop(params, base.X, base.T, base.eta, n, base);
        params = r.p;
        done += r.done;
        for (var i = 0; i < r.losses.length; i += 1) { losses.push(r.losses[i]); }
        return r.done < n ? r.bad : 0;
      }
      var state = stateOf(params);
      var until = performance.now() + STEP_BUDGET_MS;
      var bad = 0;
      for (var k = 0; k < n; k += 1) {
        var values = view.step(state);
        var loss = values["E_total+"];
        if (!(loss - loss === 0)) { bad = loss; break; }  // not applied
        state.p = names.map(function (name) { return values[name + "+"]; });
        done += 1;
        losses.push(loss);
        if (performance.now() > until) { break; }  // the rest in the next frame
      }
      params = state.p;
      return bad;
    }

    // --- what the section shows -----------------------------------------------

    function say(text) { message.textContent = text; }

    function writeCount() {
      var loss = losses[losses.length - 1];
      count.textContent = updates(done) + " · E_total = " + view.format(loss);
      count.setAttribute("data-gn-updates", String(done));
      count.setAttribute("data-gn-loss", String(loss));
    }

    function controls() {
      buttons.run.disabled = running;
      buttons.pause.disabled = !running;
      buttons.reset.disabled = done === 0 && !running;
      section.setAttribute("data-gn-running", running ? "1" : "0");
      // A keyboard user keeps a focus on a control that can be pressed.
      var focus = document.activeElement;
      if (running && focus === buttons.run) { buttons.pause.focus(); }
      if (!running && focus === buttons.pause) { buttons.run.focus(); }
    }

    var W = MAX_W;
    var svg = node("svg", { "class": "gn-train-curve", role: "img" });
    var axes = node("g", {});
    var line = node("polyline", { "class": "gn-train-line", points: "" });
    var dot = node("circle", { "class": "gn-train-dot", r: 5, cx: LEFT, cy: TOP });
    svg.appendChild(axes);
    svg.appendChild(line);
    svg.appendChild(dot);
    plot.appendChild(svg);

    // The loss curve: x the updates made (to the end of the run under way), y E_total on a
    // log scale (losses shrink by decades), linear if a loss is 0 or negative.
    // The plot's width from the section's (read only here: reading it while the page's
    // numbers change would lay the page out again at once).
    function fit() {
      W = Math.max(MIN_W, Math.min(MAX_W, Math.floor(plot.clientWidth) || MAX_W));
      svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    }

    // The x axis ends at the end of the run under way, or of the next one (the field).
    function axisEnd() {
      if (target !== null) { return Math.max(done, target); }
      var next = Number(stepsField.value.trim());
      if (done > 0 || !(next >= 1 && next <= most)) { return Math.max(done, 1); }
      return Math.floor(next);
    }

    function draw() {
      var end = axisEnd();
      var points = spread(losses.length, MAX_POINTS).filter(function (k) {
        return isFinite(losses[k]);
      });
      var ys = points.map(function (k) { return losses[k]; });
      var log = ys.length > 0 && ys.every(function (v) { return v > 0; });
      var lo, hi;
      if (log) {
        lo = Math.floor(Math.log10(Math.min.apply(null, ys)));
        hi = Math.ceil(Math.log10(Math.max.apply(null, ys)));
        if (hi <= lo) { hi = lo + 1; }
      } else {
        lo = Math.min.apply(null, ys.concat([0]));
        hi = Math.max.apply(null, ys.concat([1e-300]));
        if (hi <= lo) { hi = lo + 1; }
      }
      var x = function (k) { return LEFT + (W - LEFT - RIGHT) * k / end; };
      var y = function (v) {
        var at = log ? (Math.log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
        return TOP + (H - TOP - BOTTOM) * (1 - at);
      };
      var round = function (v) { return Math.round(v * 10) / 10; };
      axes.replaceChildren();
      var ticks = [];
      if (log) {
        var every = Math.ceil((hi - lo) / 6);
        for (var e = hi; e >= lo; e -= every) { ticks.push([Math.pow(10, e), power(e)]); }
      } else {
        [lo, (lo + hi) / 2, hi].forEach(function (v) {
          ticks.push([v, window.glassnetFormat(v, 3)]);
        });
      }
      ticks.forEach(function (tick) {
        var ty = round(y(tick[0]));
        axes.appendChild(node("line", {
          "class": "gn-train-grid", x1: LEFT, y1: ty, x2: W - RIGHT, y2: ty
        }));
        axes.appendChild(node("text", { x: LEFT - 6, y: ty + 4, "text-anchor": "end" }, tick[1]));
      });
      [0, Math.round(end / 2), end].forEach(function (k, i) {
        if (i === 1 && (k === 0 || k === end)) { return; }
        axes.appendChild(node("text", {
          x: round(x(k)), y: H - BOTTOM + 18, "text-anchor": ["start", "middle", "end"][i]
        }, grouped(k)));
      });
      axes.appendChild(node("text", {
        x: (LEFT + W - RIGHT) / 2, y: H - 8, "text-anchor": "middle"
      }, "updates"));
      var middle = (TOP + H - BOTTOM) / 2;
      axes.appendChild(node("text", {
        x: 14, y: middle, "text-anchor": "middle", transform: "rotate(-90 14 " + middle + ")"
      }, log ? "E_total (log scale)" : "E_total"));
      line.setAttribute("points", points.map(function (k) {
        return round(x(k)) + "," + round(y(losses[k]));
      }).join(" "));
      var last = losses[losses.length - 1];
      dot.classList.toggle("gn-train-none", !isFinite(last));
      if (isFinite(last)) {
        dot.setAttribute("cx", String(round(x(done))));
        dot.setAttribute("cy", String(round(y(last))));
      }
      svg.setAttribute("aria-label", "Loss curve: E_total after 0 to " + updates(done) +
        ", from " + view.format(losses[0]) + " to " + view.format(last) +
        (log ? ", on a log scale" : ""));
      writeCount();
    }

    // --- running ----------------------------------------------------------------

    // The updates a run makes (the field), or null and a message if it is not a count.
    function stepsWanted() {
      var text = stepsField.value.trim();
      var n = Number(text);
      var ok = /^\d+$/.test(text) && n >= 1 && n <= most;
      stepsField.setAttribute("aria-invalid", ok ? "false" : "true");
      if (!ok) {
        say("Updates per run must be a whole number from 1 to " + grouped(most) + ", got “" +
          text + "”.");
        return null;
      }
      return n;
    }

    function stop() {
      running = false;
      if (frameId) { cancelAnimationFrame(frameId); frameId = 0; }
      controls();
    }

    function diverged(bad) {
      target = null;
      stop();
      show();
      draw();
      say("Update " + grouped(done + 1) + " gives E_total = " + view.format(bad) +
        ": training stopped. The page shows the last good state, after " + updates(done) +
        "; the steps show the update that fails.");
    }

    function finished() {
      target = null;
      stop();
      show();
      draw();
      say("Done: " + updates(done) + ", E_total = " + view.format(losses[losses.length - 1]) +
        ". The steps show update " + grouped(done + 1) + ".");
    }

    function frame(now) {
      frameId = 0;
      if (!running) { return; }
      var speed = speedOf(speedField.value);
      var n = speed.n;
      if (!speed.frame) {
        credit += lastTime === null ? 1 : Math.min(now - lastTime, 250) * speed.n / 1000;
        n = Math.floor(credit);
        credit -= n;
      }
      lastTime = now;
      n = Math.min(n, target - done);
      if (n > 0) {
        var bad = advance(n);
        if (bad !== 0) { diverged(bad); return; }
        if (done >= target) { finished(); return; }
        if (!speed.frame || speed.n === 1 || now - shownAt >= SHOW_EVERY_MS) {
          shownAt = now;
          show();
        }
        draw();
      }
      frameId = requestAnimationFrame(frame);
    }

    function run() {
      if (running) { return; }
      if (target === null || target <= done) {
        var n = stepsWanted();
        if (n === null) { return; }
        target = done + n;
      }
      running = true;
      lastTime = null;
      credit = 0;
      shownAt = performance.now();
      say("Training: " + updates(target - done) + " to go.");
      controls();
      draw();
      frameId = requestAnimationFrame(frame);
    }

    function pause() {
      if (!running) { return; }
      stop();
      show();
      draw();
      say("Paused after " + updates(done) + " (" + grouped(target - done) +
        " to go: Train goes on). The steps show update " + grouped(done + 1) + ".");
    }

    function single() {
      if (running) { stop(); }
      var bad = advance(1);
      if (bad !== 0) { diverged(bad); return; }
      if (target !== null && done >= target) { target = null; }
      show();
      draw();
      controls();
      say("One update: " + updates(done) + " so far. The steps show update " +
        grouped(done + 1) + ".");
    }

    function reset() {
      stop();
      params = base.p.slice();
      done = 0;
      losses = [losses[0]];
      target = null;
      show();
      draw();
      controls();
      say("Back to the state before training.");
    }

    buttons.run.addEventListener("click", run);
    buttons.pause.addEventListener("click", pause);
    buttons.step.addEventListener("click", single);
    buttons.reset.addEventListener("click", reset);
    stepsField.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); run(); }
    });
    stepsField.addEventListener("input", function () {
      stepsField.setAttribute("aria-invalid", "false");
      if (!running && done === 0) { draw(); }
    });

    // Another part set the view (an edit, its Reset): training starts over from there.
    view.on(function () {
      if (mine) { return; }
      var was = done > 0 || running;
      stop();
      rebase();
      draw();
      controls();
      if (was) { say("The numbers changed: training starts again from them."); }
    });

    window.addEventListener("resize", function () { fit(); draw(); });

    rebase();
    fit();
    draw();
    controls();
  }

  (window.glassnetPlugins = window.glassnetPlugins || []).push(plugin);
})();
