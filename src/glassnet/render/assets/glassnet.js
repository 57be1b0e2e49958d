/* glassnet: the step controls, the derivation panel and the training slider.
 * The page is complete without this script; it only adds the interaction. It reads the
 * JSON that glassnet.render.html wrote, never computes a number shown, and writes text
 * with textContent only (every label may be user text). */
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
    // Ids are made from positions (n0.1, w1.0.1): no quotes or backslashes to escape.
    return all(svg, '[data-id="' + id + '"]');
  }

  function apply(svg, entry, scale) {
    var id = entry[0], field = entry[1], text = entry[2], value = entry[3], isNew = entry[4];
    byId(svg, id).forEach(function (el) {
      all(el, '[data-f="' + field + '"]').forEach(function (f) { f.textContent = text; });
      if (field !== "v") { return; }
      el.classList.toggle("gn-new", !!isNew);
      if (value === null) { return; }
      el.classList.toggle("gn-neg", value < 0);
      el.classList.toggle("gn-pos", value >= 0);
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

  function highlight(svg, ids) {
    all(svg, ".gn-hl").forEach(function (el) { el.classList.remove("gn-hl"); });
    ids.forEach(function (id) {
      byId(svg, id).forEach(function (el) { el.classList.add("gn-hl"); });
    });
    svg.classList.toggle("gn-dim", ids.length > 0);
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

  function init(root) {
    var holder = root.querySelector("script.gn-data");
    if (!holder) { return; }
    var data = JSON.parse(holder.textContent);
    root.setAttribute("data-gn-ready", "1");
    root.classList.add("gn-has-js");
    all(root, ".gn-js").forEach(function (el) { el.hidden = false; });

    var svg = root.querySelector("svg.gn-diagram:not(.gn-mini)");
    var status = root.querySelector(".gn-status");
    var current = root.querySelector(".gn-current-body");
    var derivation = root.querySelector(".gn-derivation-body");
    var stops = data.stops;
    var index = 0;

    function find(id) { return root.querySelector("#" + CSS.escape(id)); }

    function show(i) {
      index = Math.max(0, Math.min(stops.length - 1, i));
      var stop = stops[index];
      clear(svg);
      data.base.forEach(function (e) { apply(svg, e, data.scale); });
      for (var k = 0; k <= index; k += 1) {
        stops[k].set.forEach(function (e) { apply(svg, e, data.scale); });
      }
      highlight(svg, stop.hl);
      status.textContent = "Step " + (index + 1) + " of " + stops.length + ": " + stop.t;
      all(root, "[data-go]").forEach(function (b) {
        var go = b.getAttribute("data-go");
        b.disabled = (go === "first" || go === "prev") ? index === 0 : index === stops.length - 1;
      });
      all(root, ".gn-current-step").forEach(function (el) {
        el.classList.remove("gn-current-step");
        el.removeAttribute("aria-current");
      });
      var block = find(stop.b);
      var marked = stop.s ? stop.s.map(find) : [block];
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
      all(root, "[data-param][aria-pressed]").forEach(function (b) {
        b.setAttribute("aria-pressed", "false");
      });
      root.removeAttribute("data-gn-param");
    }

    function select(pid) {
      var param = data.params[pid];
      if (!param) { return; }
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
      highlight(svg, param.hl);
      all(root, "[data-param][aria-pressed]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-param") === pid ? "true" : "false");
      });
      root.setAttribute("data-gn-param", pid);
    }

    root.addEventListener("click", function (event) {
      var go = event.target.closest("[data-go]");
      if (go) {
        var to = { first: 0, prev: index - 1, next: index + 1, last: stops.length - 1 };
        show(to[go.getAttribute("data-go")]);
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
      if (event.key === "ArrowRight") { show(index + 1); event.preventDefault(); }
      else if (event.key === "ArrowLeft") { show(index - 1); event.preventDefault(); }
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
  }

  all(document, ".glassnet:not([data-gn-ready])").forEach(init);
})();
