"use strict";
// Heed image explanation viewer: ViT (hover a patch: where it attends in a chosen layer/head; or the rollout) and
// RT-DETR (click a detection: its deformable-attention sampling points per head and level). Self-contained: the
// data and the image are in this page. Results of interactions are mirrored on <body data-*> for tests.
(function () {
  const body = document.body;
  let errors = 0;
  function fail(msg) {
    errors++;
    body.setAttribute("data-errors", String(errors));
    body.setAttribute("data-rendered", "failed");
    document.getElementById("heed-errors").textContent += msg + "\n";
  }
  window.addEventListener("error", e => fail(String(e.message)));
  const HEAT = {{HEAT}};
  function heat(t) {
    t = Math.max(0, Math.min(1, t)) * (HEAT.length - 1);
    const i = Math.min(Math.floor(t), HEAT.length - 2), f = t - i, a = HEAT[i], b = HEAT[i + 1];
    return [0, 1, 2].map(k => Math.round(a[k] + (b[k] - a[k]) * f));
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function floats(b64) {
    const s = atob(b64), bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }
  function params() {
    const p = {};
    for (const kv of location.hash.replace(/^#/, "").split("&")) {
      if (!kv) continue;
      const [k, v] = kv.split("=");
      p[decodeURIComponent(k)] = decodeURIComponent(v || "");
    }
    return p;
  }
  function select(panel, label, options, onChange) {
    panel.appendChild(el("label", {}, label));
    const s = el("select");
    options.forEach(([v, t]) => s.appendChild(el("option", {value: v}, t)));
    s.addEventListener("change", onChange);
    panel.appendChild(s);
    return s;
  }

  let data;
  try {
    data = JSON.parse(document.getElementById("heed-data").textContent);
  } catch (e) {
    fail("cannot read the page's data: " + e);
    return;
  }
  document.getElementById("title").textContent = data.title;
  const canvas = document.getElementById("view"), ctx = canvas.getContext("2d");
  const panel = document.getElementById("panel");
  const img = new Image();
  img.onerror = () => fail("the embedded image does not decode");
  img.onload = () => {
    try {
      if (data.kind === "vit") vit(); else if (data.kind === "detr") detr(); else fail("unknown kind " + data.kind);
      body.setAttribute("data-kind", data.kind);
      if (errors === 0) body.setAttribute("data-rendered", "ok");
      selfTest();
    } catch (e) {
      fail(String(e && e.stack || e));
    }
  };
  img.src = "data:image/png;base64," + data.image;

  // ------------------------------------------------------------------ ViT
  function vit() {
    const S = 448, gh = data.gridH, gw = data.gridW, L = data.tokens, H = data.heads;
    const attn = data.attention.map(floats);             // per layer [H, L, L]
    attn.forEach((a, l) => { if (a.length !== H * L * L) throw new Error("layer " + l + " has " + a.length + " values, expected " + H * L * L); });
    canvas.width = S; canvas.height = S;
    document.getElementById("sub").textContent = data.layers + " layers \u00d7 " + H + " heads, " + gh + "\u00d7" + gw +
        " patches. Hover a patch: where it attends (chosen layer/head). Leave the image: the CLS rollout (" + data.fusion + ", discard " + data.discard + ").";
    const layerSel = select(panel, "layer", data.attention.map((_, i) => [i, "layer " + i]), () => redraw(current));
    layerSel.value = String(data.layers - 1);
    const headSel = select(panel, "head", [["mean", "mean of heads"]].concat([...Array(H).keys()].map(h => [h, "head " + h])), () => redraw(current));
    const info = el("div", {id: "info"});
    panel.appendChild(info);
    const top = el("table");
    top.appendChild(el("tr")).append(el("th", {}, "p"), el("th", {}, "class"));
    data.top.forEach(t => top.appendChild(el("tr")).append(el("td", {}, t.p.toFixed(3)), el("td", {style: "text-align:left"}, t.name + " (" + t.id + ")")));
    panel.appendChild(top);
    let current = -1;                                     // hovered patch, -1 = rollout
    function row(layer, head, token) {                   // [L] attention of `token` (0 = CLS)
      const a = attn[layer], out = new Float32Array(L);
      for (let h = 0; h < H; h++) {
        if (head !== "mean" && Number(head) !== h) continue;
        for (let j = 0; j < L; j++) out[j] += a[(h * L + token) * L + j];
      }
      if (head === "mean") for (let j = 0; j < L; j++) out[j] /= H;
      return out;
    }
    function redraw(patch) {
      current = patch;
      const values = patch < 0 ? Float32Array.from(data.rollout) : row(Number(layerSel.value), headSel.value, patch + 1).slice(1);
      let max = 0, arg = 0;
      values.forEach((v, i) => { if (v > max) { max = v; arg = i; } });
      ctx.drawImage(img, 0, 0, S, S);
      const cw = S / gw, ch = S / gh;
      for (let i = 0; i < gh * gw; i++) {
        const t = max > 0 ? values[i] / max : 0, c = heat(t);
        ctx.fillStyle = "rgba(" + c[0] + "," + c[1] + "," + c[2] + "," + (0.35 + 0.45 * t) + ")";
        ctx.fillRect((i % gw) * cw, Math.floor(i / gw) * ch, cw, ch);
      }
      if (patch >= 0) {
        ctx.strokeStyle = "#00e5ff"; ctx.lineWidth = 3;
        ctx.strokeRect((patch % gw) * cw + 1.5, Math.floor(patch / gw) * ch + 1.5, cw - 3, ch - 3);
      }
      info.textContent = (patch < 0 ? "CLS rollout" : "patch (" + Math.floor(patch / gw) + ", " + patch % gw + "), layer " + layerSel.value +
          ", " + (headSel.value === "mean" ? "mean of heads" : "head " + headSel.value)) + ": strongest patch (" + Math.floor(arg / gw) + ", " + arg % gw + ") " + max.toFixed(4);
      body.setAttribute("data-hover-patch", String(patch));
      body.setAttribute("data-strongest", String(arg));
      body.setAttribute("data-cells-drawn", String(gh * gw));
    }
    canvas.addEventListener("mousemove", e => {
      const r = canvas.getBoundingClientRect();
      const x = Math.floor((e.clientX - r.left) / r.width * gw), y = Math.floor((e.clientY - r.top) / r.height * gh);
      if (x >= 0 && x < gw && y >= 0 && y < gh && y * gw + x !== current) redraw(y * gw + x);
    });
    canvas.addEventListener("mouseleave", () => redraw(-1));
    redraw(-1);
    body.setAttribute("data-layers", String(data.layers));
    body.setAttribute("data-heads", String(H));
  }

  // ------------------------------------------------------------------ RT-DETR
  const PALETTE = {{PALETTE}};
  function detr() {
    const W = data.width, Hh = data.height, scale = Math.min(1, 900 / Math.max(W, Hh));
    canvas.width = Math.round(W * scale); canvas.height = Math.round(Hh * scale);
    document.getElementById("sub").textContent = data.detections.length + " detections; click a box: its sampling points in the last decoder layer (" +
        data.heads + " heads \u00d7 " + data.levels + " levels \u00d7 " + data.pointsPerLevel + " points), disc size = weight.";
    const headSel = select(panel, "head", [["all", "all heads"]].concat([...Array(data.heads).keys()].map(h => [h, "head " + h])), () => redraw());
    const levelSel = select(panel, "level", [["all", "all levels"]].concat([...Array(data.levels).keys()].map(l => [l, "level " + l])), () => redraw());
    const info = el("div", {id: "info"});
    panel.appendChild(info);
    const table = el("table");
    panel.appendChild(table);
    if (data.encoderSide > 0) {                           // AIFI: attention each top-level position receives
      const n = data.encoderSide, px = 200, enc = el("canvas", {id: "encoder", width: px, height: px});
      panel.appendChild(el("label", {}, "encoder (AIFI) attention received, " + n + "\u00d7" + n + " (min..max)"));
      panel.appendChild(enc);
      const ectx = enc.getContext("2d"), max = Math.max(...data.encoderHeat), min = Math.min(...data.encoderHeat);
      for (let i = 0; i < n * n; i++) {
        const c = heat(max > min ? (data.encoderHeat[i] - min) / (max - min) : 0);
        ectx.fillStyle = "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";
        ectx.fillRect((i % n) * px / n, Math.floor(i / n) * px / n, Math.ceil(px / n), Math.ceil(px / n));
      }
      body.setAttribute("data-encoder-cells", String(n * n));
    }
    let selected = -1;
    function colour(i) { return PALETTE[i % PALETTE.length]; }
    function redraw() {
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      ctx.fillStyle = "rgba(0,0,0,0.3)";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      data.detections.forEach((d, i) => {
        ctx.strokeStyle = colour(i); ctx.lineWidth = i === selected ? 4 : 1.5;
        ctx.globalAlpha = selected < 0 || i === selected ? 1 : 0.35;
        ctx.strokeRect(d.box[0] * scale, d.box[1] * scale, (d.box[2] - d.box[0]) * scale, (d.box[3] - d.box[1]) * scale);
      });
      ctx.globalAlpha = 1;
      table.textContent = "";
      let drawn = 0;
      if (selected >= 0) {
        const d = data.detections[selected];
        const pts = d.points.filter(p => (headSel.value === "all" || p.head === Number(headSel.value)) && (levelSel.value === "all" || p.level === Number(levelSel.value)));
        const max = Math.max(1e-12, ...pts.map(p => p.weight));
        pts.slice().sort((a, b) => a.weight - b.weight).forEach(p => {
          const t = p.weight / max, r = 2 + 7 * Math.sqrt(t);
          ctx.globalAlpha = 0.3 + 0.7 * t;
          ctx.fillStyle = colour(selected);
          ctx.beginPath(); ctx.arc(p.x * scale, p.y * scale, r, 0, 2 * Math.PI); ctx.fill();
          drawn++;
        });
        ctx.globalAlpha = 1;
        info.innerHTML = "";
        const sw = el("span", {class: "swatch", style: "background:" + colour(selected)});
        info.append(sw, document.createTextNode(d.name + " " + d.confidence.toFixed(3) + ", query " + d.query + ": " + pts.length + " points"));
        table.appendChild(el("tr")).append(el("th", {}, "head"), el("th", {}, "level"), el("th", {}, "x"), el("th", {}, "y"), el("th", {}, "weight"));
        pts.slice().sort((a, b) => b.weight - a.weight).slice(0, 16).forEach(p => table.appendChild(el("tr")).append(
            el("td", {}, p.head), el("td", {}, p.level), el("td", {}, p.x.toFixed(1)), el("td", {}, p.y.toFixed(1)), el("td", {}, p.weight.toFixed(4))));
      } else {
        info.textContent = "click a detection's box";
      }
      body.setAttribute("data-selected", String(selected));
      body.setAttribute("data-selected-query", selected < 0 ? "-1" : String(data.detections[selected].query));
      body.setAttribute("data-drawn-points", String(drawn));
    }
    canvas.addEventListener("click", e => {
      const r = canvas.getBoundingClientRect();
      const x = (e.clientX - r.left) / r.width * W, y = (e.clientY - r.top) / r.height * Hh;
      let best = -1, area = Infinity;                   // the smallest box containing the click
      data.detections.forEach((d, i) => {
        const a = (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]);
        if (x >= d.box[0] && x <= d.box[2] && y >= d.box[1] && y <= d.box[3] && a < area) { best = i; area = a; }
      });
      selected = best;
      redraw();
    });
    redraw();
    body.setAttribute("data-detections", String(data.detections.length));
  }

  // ------------------------------------------------------------------ self test: real DOM events from the URL
  // #hover=ROW,COL (ViT) or #click=X,Y (RT-DETR, image pixels) dispatches a mouse event at that place, so a
  // headless browser can check that the page responds.
  function selfTest() {
    const p = params(), r = canvas.getBoundingClientRect();
    if (p.hover && data.kind === "vit") {
      const [row, col] = p.hover.split(",").map(Number);
      const x = r.left + (col + 0.5) * r.width / data.gridW, y = r.top + (row + 0.5) * r.height / data.gridH;
      canvas.dispatchEvent(new MouseEvent("mousemove", {clientX: x, clientY: y, bubbles: true}));
    }
    if (p.head !== undefined && data.kind === "detr") {
      const s = panel.querySelector("select");
      s.value = p.head; s.dispatchEvent(new Event("change"));
    }
    if (p.click && data.kind === "detr") {
      const [ix, iy] = p.click.split(",").map(Number);
      canvas.dispatchEvent(new MouseEvent("click", {clientX: r.left + ix / data.width * r.width, clientY: r.top + iy / data.height * r.height, bubbles: true}));
    }
  }
})();
