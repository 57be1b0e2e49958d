/* glassnet's Jupyter widget (glassnet.widget.LiveView, an anywidget): the page's own view
 * in a notebook cell, its edits synced with Python through one string, the model's
 * "fragment" (the page's URL-fragment form of the edits: "w5=0.3&eta=0.1").
 *
 * Python sends render_fragment's output split in three: _css (the <style>), _html (the
 * view's <div>, with its data) and _js (the page's script: the generated step, the live
 * parts, glassnet.js), and _id, the view's root id, which prefixes every id in them.
 *
 * Running the page's script. A script inserted as HTML does not run, so the script is given
 * to the browser as a blob: URL in a <script src> appended to the cell. Not an inline
 * <script> with the text: a notebook's Content-Security-Policy that allows anywidget at all
 * allows blob: scripts (anywidget imports this very module from a blob: URL), while it may
 * forbid inline ones. A <script> runs when it enters the document, so it waits for a cell
 * that is not shown yet. If the browser refuses it anyway, the cell keeps the static view
 * (every number of the file's update, no controls) and says so on the view's notice line.
 *
 * glassnet.js starts every ".glassnet:not([data-gn-ready])" in the document. So that another
 * view's script does not start this one before its own step function is registered, the root
 * is held with data-gn-ready="wait" until its own script, which releases it first thing. Each
 * display renames the ids (one model shown in two cells makes two views), and empties
 * window.glassnetPlugins first: the script registers its own plugins (edit.js, ...), which
 * must be called once for this view, not again for every earlier view's copy of them.
 *
 * Sync, once the script ran and window.glassnetViews[id] is the view:
 *   Python -> view  model "fragment" set: view.load(text) ("": the file's values);
 *   view -> Python  on every "glassnet:update" of the root: model "fragment" =
 *                   view.fragment(), saved, when it differs.
 * A fragment the view refuses (view.load: a notice, and the file's values) is answered
 * with the fragment of what the view shows, so Python's example is always the one shown.
 * view.load and view.fragment come from edit.js; a view without them (matrix form) says so
 * when Python sets a fragment, which goes back to "". */

var HOLD = "wait";

// A root id that no element of the document and no view has yet: base plus a random tail.
function freshId(base) {
  var views = window.glassnetViews || {};
  var id;
  do {
    id = base + "-w" + Math.random().toString(36).slice(2, 8);
  } while (document.getElementById(id) || views[id]);
  return id;
}

// The first lines of the script: release this view's root, and start the plugins afresh.
function prelude(id) {
  return (
    "(function () {\n" +
    "  var root = document.getElementById(" + JSON.stringify(id) + ");\n" +
    '  if (root && root.getAttribute("data-gn-ready") === "' + HOLD + '") {\n' +
    '    root.removeAttribute("data-gn-ready");\n' +
    "  }\n" +
    "  window.glassnetPlugins = [];\n" +
    "})();\n"
  );
}

function render({ model, el }) {
  var view = null, root = null, url = null, id = null;

  function forget() {
    if (root) { root.removeEventListener("glassnet:update", edited); }
    if (url) { URL.revokeObjectURL(url); }
    if (id) {
      [window.glassnetViews, window.glassnetSteps, window.glassnetTrain].forEach(function (map) {
        if (map) { delete map[id]; }
      });
    }
    view = root = url = id = null;
  }

  function draw() {
    forget();
    var base = model.get("_id");
    id = freshId(base);
    var rename = function (text) { return text.split(base).join(id); };
    var style = document.createElement("style");
    style.textContent = model.get("_css");
    // The renderer's own markup (user text in it is escaped by Python), parsed inert.
    var holder = document.createElement("template");
    holder.innerHTML = rename(model.get("_html"));
    root = holder.content.firstElementChild;
    root.setAttribute("data-gn-ready", HOLD);
    var source = prelude(id) + rename(model.get("_js"));
    var made = url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    var script = document.createElement("script");
    // Only for this drawing: a page drawn again before its script ran ignores the old one's.
    script.addEventListener("load", function () { if (url === made) { connect(); } });
    script.addEventListener("error", function () { if (url === made) { refused(); } });
    script.src = url;
    el.replaceChildren(style, root, script);
  }

  function connect() {
    if (url) { URL.revokeObjectURL(url); url = null; }
    view = (window.glassnetViews || {})[id] || null;
    if (!view) { return; }
    root.addEventListener("glassnet:update", edited);
    var text = model.get("fragment");
    if (text && editable()) { view.load(text); } else if (text) { unable(text); }
  }

  // Whether the view takes edits: edit.js made it view.fragment and view.load (a view in
  // matrix form, or without edit.js, does not).
  function editable() {
    return typeof view.fragment === "function" && typeof view.load === "function";
  }

  // Edits from Python that this view cannot show: said on the view, and undone in Python.
  function unable(text) {
    view.notice("This view cannot show edits, so these were not applied: " + text);
    model.set("fragment", "");
    model.save_changes();
  }

  function refused() {
    var notice = root && root.querySelector(".gn-notice");
    if (!notice) { return; }
    notice.textContent = "This notebook did not run the view's script (a Content-Security-" +
      "Policy?): it shows the file's numbers, and edits cannot reach Python.";
    notice.hidden = false;
  }

  // The view changed (an edit, Reset, a fragment loaded): Python gets its fragment.
  function edited() {
    if (!view || !editable()) { return; }
    var text = view.fragment();
    if (text === model.get("fragment")) { return; }
    model.set("fragment", text);
    model.save_changes();
  }

  // Python set the fragment (or this view did, through edited: then it is already shown);
  // "" is no edits: view.load shows the file's values, its switches too.
  function changed() {
    if (!view) { return; }
    var text = model.get("fragment");
    if (!editable()) {
      if (text) { unable(text); }
    } else if (text !== view.fragment()) {
      view.load(text);
    }
  }

  model.on("change:fragment", changed);
  model.on("change:_html", draw);
  draw();
  return function () {
    model.off("change:fragment", changed);
    model.off("change:_html", draw);
    forget();
  };
}

export default { render };
