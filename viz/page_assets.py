"""The HTML, styles and script of the page :func:`viz.save_html` writes.

``__FONT__``, ``__SVG__`` and ``__DATA__`` are filled in by :mod:`viz.page`.
The script reads the data from a JSON script element and writes every piece
of it into the page as text (``textContent``), never as markup, so a name
cannot become HTML.
"""

# ruff: noqa: E501 (the page's script and styles are one string, wrapped as JavaScript)

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>computation graph</title>
<style>
  :root { --accent: #ea580c; --in: #2563eb; --out: #16a34a; --muted: #52606d; }
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; }
  body { font-family: __FONT__; color: #1f2933; background: #f8fafc;
         display: flex; flex-direction: column; }
  header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
           padding: 8px 12px; background: #fff; border-bottom: 1px solid #d9e2ec; }
  header .group { display: flex; gap: 4px; align-items: center; }
  button { font: inherit; font-size: 14px; padding: 4px 10px; border: 1px solid #9aa5b1;
           border-radius: 6px; background: #fff; cursor: pointer; }
  button:hover { background: #f1f5f9; }
  button:disabled { opacity: 0.4; cursor: default; }
  #viz-step { font-size: 14px; color: var(--muted); }
  #viz-step b { color: #1f2933; }
  main { flex: 1; display: flex; min-height: 0; }
  #viz-view { flex: 1; overflow: hidden; position: relative; cursor: grab; background: #fff;
              touch-action: none; }
  #viz-view.dragging { cursor: grabbing; }
  #viz-stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
  #viz-panel { width: 380px; max-width: 45%; overflow: auto; padding: 12px 14px;
               border-left: 1px solid #d9e2ec; background: #fff; font-size: 13px; }
  #viz-panel h2 { font-size: 16px; margin: 0 0 4px; word-break: break-word; }
  #viz-panel h3 { font-size: 13px; margin: 12px 0 2px; color: var(--muted); }
  #viz-panel .kind { color: var(--muted); margin-bottom: 6px; }
  #viz-panel pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px;
                   background: #f1f5f9; padding: 6px 8px; border-radius: 4px; margin: 2px 0;
                   white-space: pre-wrap; word-break: break-all; max-height: 240px; overflow: auto; }
  #viz-panel .grad pre { background: #fff4e6; }
  #viz-panel .hint { color: var(--muted); }
  #viz-panel .tag { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff;
                    font-size: 11px; margin-right: 4px; }
  g.node { cursor: pointer; }
  .viz-mark { fill: none; stroke-width: 4; pointer-events: none; }
  .viz-mark.current { stroke: var(--accent); stroke-width: 5; }
  .viz-mark.in { stroke: var(--in); stroke-dasharray: 7 4; }
  .viz-mark.out { stroke: var(--out); stroke-dasharray: 7 4; }
  .viz-mark.selected { stroke: #7c3aed; stroke-width: 3; }
  .viz-mark-label { font-size: 11px; font-weight: bold; pointer-events: none; }
  g.edge.viz-flow path { stroke: var(--accent); stroke-width: 3; }
  g.edge.viz-flow polygon { fill: var(--accent); stroke: var(--accent); }
  g.node.viz-done { opacity: 0.55; }
</style>
</head>
<body data-viz-status="loading">
<header>
  <div class="group">
    <button id="viz-reset" title="back to before backward() (Home)">|&#x25C0;</button>
    <button id="viz-prev" title="previous step (left arrow)">&#x25C0;</button>
    <button id="viz-next" title="next step of the backward pass (right arrow)">step &#x25B6;</button>
    <button id="viz-end" title="last step (End)">&#x25B6;|</button>
  </div>
  <div id="viz-step"></div>
  <div class="group" style="margin-left:auto">
    <button id="viz-zoom-out" title="zoom out (-)">&#x2212;</button>
    <button id="viz-fit" title="fit to the window (0)">fit</button>
    <button id="viz-zoom-in" title="zoom in (+)">+</button>
  </div>
</header>
<main>
  <div id="viz-view"><div id="viz-stage">__SVG__</div></div>
  <aside id="viz-panel"></aside>
</main>
<script type="application/json" id="viz-data">__DATA__</script>
<script>
"use strict";
window.addEventListener("error", function (e) {
  document.body.dataset.vizErrors = (document.body.dataset.vizErrors || "") + e.message + "\n";
});
(function () {
  var data = JSON.parse(document.getElementById("viz-data").textContent);
  var view = document.getElementById("viz-view");
  var stage = document.getElementById("viz-stage");
  var svg = document.getElementById("viz-svg");
  var panel = document.getElementById("viz-panel");
  var stepText = document.getElementById("viz-step");
  var graphGroup = svg.querySelector("g.graph");
  var NS = "http://www.w3.org/2000/svg";
  var steps = data.steps, nodes = data.nodes;
  var current = 0;  // 0: before backward; k: the k-th rule has just run
  var selected = null;

  // The SVG's size in CSS pixels: its viewBox is in points.
  var vb = svg.viewBox.baseVal;
  var width = vb.width * 4 / 3, height = vb.height * 4 / 3;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);

  var nodeEls = {}, edgeEls = [];
  svg.querySelectorAll("g.node").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) { nodeEls[t.textContent] = g; }
  });
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) {
      var ends = t.textContent.split("->");
      edgeEls.push({ from: ends[0], to: ends[1], el: g });
    }
  });

  // ---- pan and zoom ---------------------------------------------------
  var k = 1, tx = 0, ty = 0;
  function apply() {
    stage.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + k + ")";
  }
  function fit() {
    var w = view.clientWidth, h = view.clientHeight;
    k = Math.min(w / width, h / height);
    // A tall picture fits its width instead, read from the top.
    if (k < 0.45) { k = Math.min(w / width, 1); }
    k = Math.min(k, 1.5);
    tx = (w - width * k) / 2; ty = Math.max(0, (h - height * k) / 2);
    apply();
  }
  function zoom(factor, cx, cy) {
    var nk = Math.max(0.05, Math.min(8, k * factor));
    tx = cx - (cx - tx) * nk / k; ty = cy - (cy - ty) * nk / k; k = nk;
    apply();
  }
  view.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = view.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  var drag = null;
  view.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; view.classList.add("dragging"); }
    tx = drag.tx + dx; ty = drag.ty + dy; apply();
  });
  window.addEventListener("pointerup", function (e) {
    var wasClick = drag && !drag.moved;
    drag = null; view.classList.remove("dragging");
    if (wasClick) {
      var hit = document.elementFromPoint(e.clientX, e.clientY);
      var g = hit && hit.closest ? hit.closest("g.node") : null;
      if (g) { select(g.querySelector("title").textContent); }
    }
  });
  function centre(id) {
    var el = nodeEls[id];
    if (!el) { return; }
    var r = el.getBoundingClientRect(), v = view.getBoundingClientRect();
    if (r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom) {
      return;
    }
    tx += v.left + v.width / 2 - (r.left + r.width / 2);
    ty += v.top + v.height / 2 - (r.top + r.height / 2);
    apply();
  }

  // ---- marks ------------------------------------------------------------
  var marks = document.createElementNS(NS, "g");
  graphGroup.appendChild(marks);
  function mark(id, cls, label) {
    var el = nodeEls[id];
    if (!el) { return; }
    var b = el.getBBox(), pad = 5;
    var r = document.createElementNS(NS, "rect");
    r.setAttribute("x", b.x - pad); r.setAttribute("y", b.y - pad);
    r.setAttribute("width", b.width + 2 * pad); r.setAttribute("height", b.height + 2 * pad);
    r.setAttribute("rx", 8);
    r.setAttribute("class", "viz-mark " + cls);
    marks.appendChild(r);
    if (label) {
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", b.x + b.width + pad + 3); t.setAttribute("y", b.y + 10);
      t.setAttribute("class", "viz-mark-label");
      t.setAttribute("fill", getComputedStyle(r).stroke);
      t.textContent = label;
      marks.appendChild(t);
    }
  }

  // ---- the panel ----------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function section(parent, heading, text, cls) {
    var d = el("div", null, cls);
    d.appendChild(el("h3", heading));
    d.appendChild(el("pre", text));
    parent.appendChild(d);
  }
  var KIND = { param: "parameter", leaf: "leaf that requires grad", constant: "constant (no gradient)",
               intermediate: "intermediate result", output: "output: backward starts here",
               op: "operation", module: "collapsed submodule", fold: "repeated steps, folded",
               omitted: "nodes left out by max_nodes" };
  function describe(id, parent) {
    var n = nodes[id];
    if (!n) { return; }
    parent.appendChild(el("h2", n.title || KIND[n.kind] || n.kind));
    parent.appendChild(el("div", (KIND[n.kind] || n.kind) + (n.shape ? " \u00b7 " + n.shape : ""), "kind"));
    if (n.ref) {
      var orig = nodes[n.ref];
      parent.appendChild(el("div", "Used again here; drawn in full at its first use" +
        (orig && orig.title ? " (" + orig.title + ")" : "") + ".", "hint"));
    }
    if (n.formula) { section(parent, "computes", n.formula); }
    if (n.rule) { section(parent, "derivative rule", n.rule); }
    (n.rows || []).forEach(function (r) { parent.appendChild(el("div", r)); });
    if (n.data) { section(parent, "data", n.data); }
    else if (n.data_summary) { section(parent, "data", n.data_summary); }
    if (n.grad) { section(parent, "grad = d(output)/d(this)", n.grad, "grad"); }
    else if (n.grad_summary) { section(parent, "grad", n.grad_summary, "grad"); }
    if (n.kind !== "op" && !n.data && !n.data_summary && ["intermediate", "output"].indexOf(n.kind) >= 0) {
      parent.appendChild(el("div", "Values not kept: record the graph inside " +
        "viz.keep_intermediates() to see them.", "hint"));
    }
  }
  function select(id) {
    selected = id;
    render();
  }

  // ---- stepping -----------------------------------------------------------
  function render() {
    while (marks.firstChild) { marks.removeChild(marks.firstChild); }
    edgeEls.forEach(function (e) { e.el.classList.remove("viz-flow"); });
    Object.keys(nodeEls).forEach(function (id) { nodeEls[id].classList.remove("viz-done"); });
    panel.textContent = "";
    var s = current > 0 ? steps[current - 1] : null;
    document.body.dataset.vizStep = String(current);
    document.body.dataset.vizCurrent = s && s.op ? s.op : "";
    stepText.textContent = "";
    if (!s) {
      stepText.appendChild(el("span", "Forward pass drawn. Press "));
      stepText.appendChild(el("b", "step"));
      stepText.appendChild(el("span", " to run backward() one rule at a time (" + steps.length + " rules)."));
    } else {
      stepText.appendChild(el("b", "Step " + current + " of " + steps.length + ": "));
      stepText.appendChild(el("span", s.name + " runs its derivative rule"));
      for (var i = 0; i < current - 1; i++) {
        var done = steps[i].op;
        if (done && done !== s.op && nodeEls[done]) { nodeEls[done].classList.add("viz-done"); }
      }
      edgeEls.forEach(function (e) {
        var intoOp = e.to === s.op && (s.sends || []).indexOf(e.from) >= 0;
        var outOfOp = e.from === s.op && e.to === s.receives;
        if (intoOp || outOfOp) { e.el.classList.add("viz-flow"); }
      });
      if (s.receives) { mark(s.receives, "in", "grad in"); }
      (s.sends || []).forEach(function (id) { mark(id, "out", "grad out"); });
      if (s.op) { mark(s.op, "current", "rule runs"); centre(s.op); }
      var box = el("div");
      box.appendChild(el("h2", "Step " + current + ": " + s.name));
      var n = s.op ? nodes[s.op] : null;
      if (n && n.kind !== "op") {
        box.appendChild(el("div", "Inside the node \u201c" + (n.title || n.kind) + "\u201d.", "hint"));
      }
      if (s.rule) { section(box, "rule", s.rule); }
      var rec = s.receives ? nodes[s.receives] : null;
      if (rec) {
        section(box, "receives: the gradient of its output " + (rec.title ? "(" + rec.title + ")" : ""),
                rec.grad || rec.grad_summary || "(not kept)", "grad");
      }
      (s.sends || []).forEach(function (id) {
        var m = nodes[id];
        if (!m) { return; }
        section(box, "sends a gradient to " + (m.title || KIND[m.kind] || m.kind) +
                " (its total over all uses)", m.grad || m.grad_summary || "(not kept)", "grad");
      });
      panel.appendChild(box);
    }
    if (selected) {
      mark(selected, "selected");
      var d = el("div");
      if (s) { d.appendChild(el("hr")); }
      describe(selected, d);
      panel.appendChild(d);
    } else if (!s) {
      panel.appendChild(el("h2", "Click a node"));
      panel.appendChild(el("div", "to see its full value, its gradient and, for an operation, " +
        "its derivative rule. Drag to pan, scroll to zoom; the arrow keys step through backward().",
        "hint"));
    }
    document.getElementById("viz-prev").disabled = current === 0;
    document.getElementById("viz-reset").disabled = current === 0;
    document.getElementById("viz-next").disabled = current === steps.length;
    document.getElementById("viz-end").disabled = current === steps.length;
    var hash = (current ? "step=" + current : "") + (selected ? (current ? "&" : "") + "node=" + selected : "");
    if (history.replaceState) { history.replaceState(null, "", hash ? "#" + hash : location.pathname); }
  }
  function go(n) { current = Math.max(0, Math.min(steps.length, n)); render(); }
  document.getElementById("viz-next").onclick = function () { go(current + 1); };
  document.getElementById("viz-prev").onclick = function () { go(current - 1); };
  document.getElementById("viz-reset").onclick = function () { go(0); };
  document.getElementById("viz-end").onclick = function () { go(steps.length); };
  document.getElementById("viz-fit").onclick = fit;
  document.getElementById("viz-zoom-in").onclick = function () { zoom(1.25, view.clientWidth / 2, view.clientHeight / 2); };
  document.getElementById("viz-zoom-out").onclick = function () { zoom(0.8, view.clientWidth / 2, view.clientHeight / 2); };
  window.addEventListener("keydown", function (e) {
    var keys = { ArrowRight: function () { go(current + 1); }, ArrowLeft: function () { go(current - 1); },
                 Home: function () { go(0); }, End: function () { go(steps.length); },
                 "+": function () { zoom(1.25, view.clientWidth / 2, view.clientHeight / 2); },
                 "-": function () { zoom(0.8, view.clientWidth / 2, view.clientHeight / 2); }, "0": fit };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  window.addEventListener("resize", fit);

  fit();
  var params = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (p) {
    var kv = p.split("=");
    if (kv.length === 2) { params[kv[0]] = decodeURIComponent(kv[1]); }
  });
  if (params.node && nodes[params.node]) { selected = params.node; }
  current = Math.max(0, Math.min(steps.length, parseInt(params.step || "0", 10) || 0));
  render();
  document.body.dataset.vizStatus = "ready";
})();
</script>
</body>
</html>
"""
