/* glassnet: Answer mode. Each computed value of the step is hidden until the learner types it;
 * Enter judges the answer by the rule of `glassnet check` and `glassnet quiz`
 * (glassnet/claims/written.py), ported below as glassnetJudge.judge.
 *
 * What is hidden, for every question (the values `glassnet quiz` asks for: every computed
 * scalar outside the Given section, frozen biases left out), in the list of every step and in
 * the panels' copies of it: the value itself, and the step's numbers part (the formula with
 * the numbers filled in), which holds the values of earlier steps (out_h1 = σ(0.3775) gives
 * net_h1 away). The symbolic formula stays, so the learner knows what to compute. On the
 * diagram only the given numbers stay; the values of the step (net, out, gradients, updated
 * weights, the error) are hidden. A right answer reveals the value and the numbers; a wrong
 * one reveals the numbers (the formula filled in with the exact earlier values) and keeps the
 * value hidden, so the learner can try again; "?" shows the answer, as in `glassnet quiz`.
 * The first wrong step in page order is marked. Answers are judged against view.values (the
 * generated step's doubles) and judged again after every edit (view.on).
 *
 * The judging rule, on the typed text (the claim) and the exact double:
 *   - the text, stripped of whitespace (Python's str.strip) with "−" read as "-", must be a
 *     decimal number ([+-]digits[.digits][e[+-]digits], any Unicode decimal digits, as
 *     Python's \d and decimal.Decimal read them) with an exponent within ±10^15, else
 *     "not a number";
 *   - with fewer than MIN_DIGITS (3) significant digits as written, and not the exact value up
 *     to float64 noise (1e-12 relative + 1e-15), it is "too coarse";
 *   - else it "agrees" when the exact value, rounded or truncated to the claim's decimals
 *     (place of its last written digit), equals it, with the float64 slack; else "disagrees".
 * The arithmetic is Python's decimal with 60 significant digits, rounding half to even
 * (glassnet.claims.written.CONTEXT), on BigInt coefficients; both sides are pinned to one
 * table of cases (tests/data/judging_cases.json). */
(function () {
  "use strict";

  var PREC = 60;
  var MIN_DIGITS = 3;
  var MAX_EXPONENT = 1000000000000000n;  // 10^15, glassnet.claims.written.MAX_EXPONENT
  var REL_TOL = { neg: false, c: 1n, e: -12 };
  var ABS_TOL = { neg: false, c: 1n, e: -15 };

  // -- decimal numbers: {neg, c: BigInt coefficient >= 0, e: exponent}, value (-1)^neg·c·10^e --

  function digits(c) { return c.toString().length; }

  // Rounded to PREC significant digits, half to even (Decimal._fix in the 60-digit context).
  function fix(d) {
    var text = d.c.toString();
    if (text.length <= PREC) { return d; }
    var keep = BigInt(text.slice(0, PREC)), rest = text.slice(PREC);
    var first = rest.charCodeAt(0) - 48, tail = /[1-9]/.test(rest.slice(1));
    if (first > 5 || (first === 5 && (tail || keep % 2n === 1n))) { keep += 1n; }
    var e = d.e + rest.length;
    if (digits(keep) > PREC) { keep /= 10n; e += 1; }
    return { neg: d.neg, c: keep, e: e };
  }

  function negated(d) { return { neg: !d.neg, c: d.c, e: d.e }; }
  function abs(d) { return fix({ neg: false, c: d.c, e: d.e }); }
  function mul(a, b) { return fix({ neg: a.neg !== b.neg, c: a.c * b.c, e: a.e + b.e }); }

  // a + b rounded. An operand far below the other's last kept digit is replaced by one unit
  // just below it, which rounds the same (Python's decimal _normalize).
  function add(a, b) {
    if (a.c === 0n) { return fix(b); }
    if (b.c === 0n) { return fix(a); }
    var big = a, small = b;
    if (a.e < b.e) { big = b; small = a; }
    var exp = big.e + Math.min(-1, digits(big.c) - PREC - 2);
    if (digits(small.c) + small.e - 1 < exp) { small = { neg: small.neg, c: 1n, e: exp }; }
    var scaled = big.c * 10n ** BigInt(big.e - small.e);
    var sum = (big.neg ? -scaled : scaled) + (small.neg ? -small.c : small.c);
    return fix({ neg: sum < 0n, c: sum < 0n ? -sum : sum, e: small.e });
  }

  function sub(a, b) { return add(a, negated(b)); }

  // -1, 0 or 1, exactly.
  function cmp(a, b) {
    var sa = a.c === 0n ? 0 : a.neg ? -1 : 1, sb = b.c === 0n ? 0 : b.neg ? -1 : 1;
    if (sa !== sb) { return sa < sb ? -1 : 1; }
    if (sa === 0) { return 0; }
    var adjA = digits(a.c) + a.e, adjB = digits(b.c) + b.e, m;
    if (adjA !== adjB) {
      m = adjA < adjB ? -1 : 1;
    } else {
      var ca = a.c, cb = b.c;
      if (a.e > b.e) { ca *= 10n ** BigInt(a.e - b.e); } else { cb *= 10n ** BigInt(b.e - a.e); }
      m = ca < cb ? -1 : ca > cb ? 1 : 0;
    }
    return sa * m;
  }

  // The exact value of a finite double (Decimal(x)): m·2^k = m·5^-k·10^k.
  function ofDouble(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var neg = hi >>> 31 === 1, biased = (hi >>> 20) & 0x7ff;
    var m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (biased === 0) { biased = 1; } else { m |= 1n << 52n; }
    var k = biased - 1075;
    if (k >= 0) { return { neg: neg, c: m << BigInt(k), e: 0 }; }
    return { neg: neg, c: m * 5n ** BigInt(-k), e: k };
  }

  // -- the claim as written ----------------------------------------------------

  // The code points of the digit 0 of every run of Unicode decimal digits (category Nd) that
  // Python's \d and decimal.Decimal read (Unicode 14, Python 3.11); checked against
  // unicodedata by tests/test_judging_table.py.
  var ZEROS = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
    0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0,
    0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0,
    0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0
  ];
  // Python's whitespace (str.isspace), which str.strip removes.
  var SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
    "\\u202f\\u205f\\u3000";
  var STRIP = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  var NUMBER = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;

  function asciiDigits(text) {
    var out = "";
    Array.from(text).forEach(function (ch) {
      var cp = ch.codePointAt(0), value = -1;
      if (cp >= 0x30) {
        for (var i = 0; i < ZEROS.length; i += 1) {
          if (cp >= ZEROS[i] && cp < ZEROS[i] + 10) { value = cp - ZEROS[i]; break; }
        }
      }
      out += value < 0 ? ch : String(value);
    });
    return out;
  }

  // The claim (parse_number): {value, decimals, significant}, or null when it is not a number.
  function parse(text) {
    var found = NUMBER.exec(asciiDigits(String(text).replace(STRIP, "").replace(/\u2212/g, "-")));
    if (!found) { return null; }
    var whole = found[2] !== undefined ? found[2] : "";
    var fraction = found[2] !== undefined ? found[3] : found[4];
    var coefficient = BigInt(whole + fraction);
    var exponent = BigInt(found[5] || "0") - BigInt(fraction.length);
    var count = coefficient === 0n ? 1 : digits(coefficient);
    var adjusted = exponent + BigInt(count - 1);
    if (adjusted > MAX_EXPONENT || adjusted < -MAX_EXPONENT) { return null; }
    return {
      value: { neg: found[1] === "-", c: coefficient, e: Number(exponent) },
      decimals: -Number(exponent),
      significant: coefficient === 0n ? 0 : count
    };
  }

  // Written.exactly: the claim is the exact value up to float64 noise.
  function exactly(exact, written) {
    if (!isFinite(exact)) { return false; }
    var x = ofDouble(exact);
    return cmp(abs(sub(x, written.value)), add(mul(abs(x), REL_TOL), ABS_TOL)) <= 0;
  }

  // agreement(): "rounded", "truncated", "rounded and truncated", or "" (disagrees).
  function agreement(exact, written) {
    if (!isFinite(exact)) { return ""; }
    var x = ofDouble(exact), c = written.value;
    var unit = { neg: false, c: 1n, e: -written.decimals };
    var half = { neg: false, c: 5n, e: -written.decimals - 1 };
    var ax = abs(x), ac = abs(c);
    var slack = add(mul(cmp(ac, ax) > 0 ? ac : ax, REL_TOL), ABS_TOL);
    var ways = [];
    if (cmp(abs(sub(x, c)), add(half, slack)) <= 0) { ways.push("rounded"); }
    var sign = cmp(c, { neg: false, c: 0n, e: 0 });
    var low = sign > 0 ? c : sign < 0 ? sub(c, unit) : negated(unit);
    var high = sign > 0 ? add(c, unit) : sign < 0 ? c : unit;
    if (cmp(sub(low, slack), x) <= 0 && cmp(x, add(high, slack)) <= 0) { ways.push("truncated"); }
    return ways.join(" and ");
  }

  // The verdict on a typed answer: "agrees", "disagrees", "too coarse" or "not a number".
  function judge(text, exact, minDigits) {
    var written = parse(text);
    if (!written) { return "not a number"; }
    var least = minDigits === undefined ? MIN_DIGITS : minDigits;
    if (written.significant < least && !exactly(exact, written)) { return "too coarse"; }
    return agreement(exact, written) ? "agrees" : "disagrees";
  }

  window.glassnetJudge = { judge: judge, agreement: agreement, parse: parse, MIN_DIGITS: MIN_DIGITS };

  // -- the mode on the page ----------------------------------------------------

  var STATES = ["gn-ans-right", "gn-ans-wrong", "gn-ans-coarse", "gn-ans-nan", "gn-ans-shown",
    "gn-ans-first"];
  var SHOW = ["?", "show"];

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  (window.glassnetPlugins = window.glassnetPlugins || []).push(function (view) {
    var root = view.root;
    var bar = root.querySelector(".gn-answerbar");
    if (!view.live || !bar) { return; }
    var toggle = bar.querySelector(".gn-answer-toggle");
    var progress = bar.querySelector(".gn-answer-progress");
    var questions = JSON.parse(bar.getAttribute("data-questions"));
    var least = Number(bar.getAttribute("data-min-digits") || MIN_DIGITS);
    var keys = questions.map(function (q) { return q[0]; });
    var answers = {};  // by check name: {text, verdict}; verdict as judge's, or "shown"
    var original = {};  // by check name: the step in the list of every step
    all(root, ".gn-all li.gn-step[data-key]").forEach(function (li) {
      original[li.getAttribute("data-key")] = li;
    });

    // The panels' copies of the questions' steps, by check name (glassnet.js copies a step
    // or a block, answer box included, when it shows it).
    function copies() {
      var found = {};
      all(root, ".gn-current-body li[data-key], .gn-derivation-body li[data-key]")
        .forEach(function (li) {
          var key = li.getAttribute("data-key");
          (found[key] = found[key] || []).push(li);
        });
      return found;
    }

    // The question's step in the list and its copies.
    function stepsOf(key, copied) {
      var more = (copied || copies())[key] || [];
      return original[key] ? [original[key]].concat(more) : more;
    }

    // Each question's step in the list gets an input after its (hidden) value, and its
    // numbers part (every part after the left-hand side and the symbolic formula: q[1] is the
    // first) is marked to be hidden.
    questions.forEach(function (q) {
      var li = original[q[0]];
      var eq = li && li.querySelector(".gn-eq");
      if (!eq || li.querySelector(".gn-answer")) { return; }
      li.classList.add("gn-q");
      all(eq, ".gn-part:not(.gn-value)").forEach(function (part, i) {
        if (i >= q[1]) { part.classList.add("gn-ans-numbers"); }
      });
      var box = document.createElement("span");
      box.className = "gn-answer";
      var input = document.createElement("input");
      input.type = "text";
      input.className = "gn-answer-input";
      input.setAttribute("inputmode", "decimal");
      input.setAttribute("autocomplete", "off");
      input.setAttribute("spellcheck", "false");
      input.setAttribute("enterkeyhint", "done");
      input.setAttribute("aria-label", "Your value of " + q[0] + " (Enter checks it)");
      var message = document.createElement("span");
      message.className = "gn-answer-msg";
      message.setAttribute("aria-live", "polite");
      box.appendChild(input);
      box.appendChild(message);
      var value = eq.querySelector(".gn-value");
      eq.insertBefore(box, value ? value.nextSibling : null);
    });

    function verdictOf(key) {
      var text = answers[key].text;
      if (SHOW.indexOf(text.trim().toLowerCase()) >= 0) { return "shown"; }
      return judge(text, view.values[key], least);
    }

    function firstWrong() {
      for (var i = 0; i < keys.length; i += 1) {
        if (answers[keys[i]] && answers[keys[i]].verdict === "disagrees") { return keys[i]; }
      }
      return null;
    }

    function shortened(text) {
      text = text.trim();
      return text.length <= 40 ? text : text.slice(0, 18) + "…" + text.slice(-18);
    }

    function messageOf(a, first) {
      if (a.verdict === "agrees") { return "✓ right"; }
      if (a.verdict === "shown") { return "shown"; }
      if (a.verdict === "too coarse") {
        return "too coarse to judge (give at least " + least + " significant digits)";
      }
      if (a.verdict === "not a number") { return "not a number (? shows the answer)"; }
      return (first ? "✗ first wrong step: " : "✗ wrong: ") + "not " + shortened(a.text) +
        "; the numbers are filled in, try again";
    }

    // Every copy of the question's step shows its verdict: a class and a message.
    function paint(key, first, copied) {
      var a = answers[key], verdict = a ? a.verdict : "";
      var marks = {
        "gn-ans-right": verdict === "agrees",
        "gn-ans-wrong": verdict === "disagrees",
        "gn-ans-coarse": verdict === "too coarse",
        "gn-ans-nan": verdict === "not a number",
        "gn-ans-shown": verdict === "shown",
        "gn-ans-first": key === first
      };
      stepsOf(key, copied).forEach(function (li) {
        STATES.forEach(function (name) { li.classList.toggle(name, marks[name]); });
        var input = li.querySelector(".gn-answer-input");
        var message = li.querySelector(".gn-answer-msg");
        if (input) { input.setAttribute("aria-invalid", marks["gn-ans-wrong"] ? "true" : "false"); }
        if (message) { message.textContent = a ? messageOf(a, key === first) : ""; }
      });
    }

    // Paints the steps of ``changed`` (every question when omitted) and the old and new first
    // wrong step, and writes the progress line.
    var shownFirst = null;
    function update(changed) {
      var first = firstWrong(), copied = copies(), right = 0, answered = 0, shown = 0;
      var todo = changed ? changed.concat([shownFirst, first]) : keys;
      todo.forEach(function (key) { if (key !== null) { paint(key, first, copied); } });
      shownFirst = first;
      keys.forEach(function (key) {
        var verdict = answers[key] ? answers[key].verdict : "";
        if (verdict === "agrees" || verdict === "disagrees") { answered += 1; }
        if (verdict === "agrees") { right += 1; }
        if (verdict === "shown") { shown += 1; }
      });
      var text = right + " right of " + answered + " answered; " + keys.length + " values in all";
      if (shown) { text += "; " + shown + " shown"; }
      if (first) { text += ". First wrong step: " + first; }
      progress.textContent = text;
    }

    // Writes the text into every copy of the step's input.
    function sync(key, text, except) {
      stepsOf(key).forEach(function (li) {
        var input = li.querySelector(".gn-answer-input");
        if (input && input !== except) { input.value = text; }
      });
    }

    function answer(key, text) {
      if (!text.trim()) {
        delete answers[key];
      } else {
        answers[key] = { text: text, verdict: "" };
        answers[key].verdict = verdictOf(key);
      }
      sync(key, text, null);
      update([key]);
    }

    function questionOf(target) {
      if (!target.classList || !target.classList.contains("gn-answer-input")) { return null; }
      var li = target.closest("li.gn-step[data-key]");
      return li ? li.getAttribute("data-key") : null;
    }

    root.addEventListener("keydown", function (event) {
      var key = event.key === "Enter" ? questionOf(event.target) : null;
      if (key === null) { return; }
      event.preventDefault();
      answer(key, event.target.value);
    });

    // What is typed, not yet judged, follows into the other copies of the step.
    root.addEventListener("input", function (event) {
      var key = questionOf(event.target);
      if (key !== null) { sync(key, event.target.value, event.target); }
    });

    // The diagram keeps the given numbers only (data.base, before any update): the others
    // are the values asked for.
    var drawn = {};
    all(root, "svg.gn-diagram:not(.gn-mini) [data-id]").forEach(function (el) {
      var id = el.getAttribute("data-id");
      (drawn[id] = drawn[id] || []).push(el);
    });
    (view.data.base || []).forEach(function (entry) {
      (drawn[entry[0]] || []).forEach(function (el) {
        all(el, "[data-f]").forEach(function (f) {
          if (f.getAttribute("data-f") === entry[1]) { f.classList.add("gn-ans-given"); }
        });
      });
    });

    toggle.addEventListener("click", function () {
      var on = !root.classList.contains("gn-answering");
      root.classList.toggle("gn-answering", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    });

    // After an edit, every answer is judged again against the new values.
    view.on(function () {
      keys.forEach(function (key) {
        if (answers[key]) { answers[key].verdict = verdictOf(key); }
      });
      update(null);
    });

    update([]);
  });
})();
