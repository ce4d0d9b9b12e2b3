// Heed attention viewer: head view (SVG), model view (canvas thumbnails), rollout view. No dependencies, no network.
// Data: JSON block #heed-data; probabilities as bytes q = round(255·√p), base64, optionally zlib-deflated.
(function () {
  'use strict';
  const report = window.__heedReport || function (m) { (window.__heedErrors = window.__heedErrors || []).push(String(m)); };

  const TITLE_MAX = 140;          // characters of the title shown in the heading
  const ALL_LINES_MAX = 48;       // up to this many tokens the head view draws every token's lines when nothing is focused
  const LINES_PER_HEAD_MAX = 96;  // a focused token draws at most this many lines per head (the strongest)
  const LABEL_MAX = 18;           // token labels are cut to this many characters
  const SPECIAL = new Set(['[CLS]', '[SEP]', '[PAD]', '[MASK]', '<s>', '</s>', '<pad>', '<cls>', '<sep>', '<mask>']);
  // ColorBrewer Blues-9, the same scale as the PNG renderer; position along it is √p = q/255.
  const BLUES = [0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b];

  const $ = (id) => document.getElementById(id);
  const SVGNS = 'http://www.w3.org/2000/svg';

  // ---------------------------------------------------------------- data
  const dataEl = $('heed-data');
  const meta = JSON.parse(dataEl.textContent);
  dataEl.remove();   // the payload can be tens of MB; keep it out of the live DOM
  const N = meta.n, NL = meta.layers, NH = meta.heads, TOK = meta.tokens;
  if (TOK.length !== N) throw new Error('data: ' + TOK.length + ' tokens but n=' + N);

  const DEC = new Float32Array(256);                 // q -> p
  for (let q = 0; q < 256; q++) DEC[q] = (q / 255) * (q / 255);
  const LUT = new Uint8ClampedArray(256 * 3);        // q -> rgb
  for (let q = 0; q < 256; q++) {
    const c = colour(q / 255);
    LUT[3 * q] = c >> 16; LUT[3 * q + 1] = (c >> 8) & 255; LUT[3 * q + 2] = c & 255;
  }
  function colour(t) {
    const x = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
    const i = Math.min(Math.floor(x), BLUES.length - 2), f = x - i, a = BLUES[i], b = BLUES[i + 1];
    const mix = (s) => Math.round(((a >> s) & 255) + (((b >> s) & 255) - ((a >> s) & 255)) * f);
    return (mix(16) << 16) | (mix(8) << 8) | mix(0);
  }
  const css = (c) => '#' + c.toString(16).padStart(6, '0');
  const qcss = (q) => 'rgb(' + LUT[3 * q] + ',' + LUT[3 * q + 1] + ',' + LUT[3 * q + 2] + ')';

  function bytes(b64) {
    const bin = atob(b64), u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function unpack(b64) {
    const u = bytes(b64);
    if (meta.compression === 'none') return Promise.resolve(u);
    if (meta.compression !== 'deflate') return Promise.reject(new Error('data: unknown compression ' + meta.compression));
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser has no DecompressionStream; open the file in a current Chrome, Firefox or Safari'));
    }
    const stream = new Blob([u]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer().then((b) => new Uint8Array(b));
  }

  let A = null;   // [NL, NH, N, N] uint8
  let R = null;   // [NL, N, N] uint8, rollout through layer l

  // ---------------------------------------------------------------- state
  const state = { view: 'head', layer: NL - 1, heads: new Set(), avg: false, thr: 0.02, focus: -1, side: 'from', pinned: false };

  const aq = (l, h, i, j) => A[((l * NH + h) * N + i) * N + j];
  function weight(l, h, i, j) { return DEC[aq(l, h, i, j)]; }
  function meanRow(l, i, heads) {          // mean over heads of row i (query i), Float32Array(N)
    const out = new Float32Array(N);
    for (const h of heads) { const base = ((l * NH + h) * N + i) * N; for (let j = 0; j < N; j++) out[j] += DEC[A[base + j]]; }
    for (let j = 0; j < N; j++) out[j] /= heads.length;
    return out;
  }
  const headColour = (h) => 'hsl(' + ((h * 360 / NH + 210) % 360).toFixed(0) + ',70%,' + (h % 2 ? 42 : 50) + '%)';
  const label = (t) => (t === '' ? '\u2423' : (t.length > LABEL_MAX ? t.slice(0, LABEL_MAX - 1) + '\u2026' : t));

  // ---------------------------------------------------------------- toolbar
  function buildToolbar() {
    // a long input must not become a heading thousands of pixels tall: the heading keeps its start, the
    // tooltip a longer part
    const t = meta.title || 'Attention';
    $('title').textContent = t.length > TITLE_MAX ? t.slice(0, TITLE_MAX - 1) + '\u2026' : t;
    if (t.length > TITLE_MAX) $('title').title = t.length > 2000 ? t.slice(0, 1999) + '\u2026' : t;
    $('stats').textContent = N + ' tokens \u00b7 ' + NL + ' layers \u00b7 ' + NH + ' heads';
    const sel = $('layer');
    for (let l = 0; l < NL; l++) { const o = document.createElement('option'); o.value = l; o.textContent = 'L' + l; sel.appendChild(o); }
    sel.addEventListener('change', () => { state.layer = +sel.value; refresh(); });
    const hs = $('heads');
    for (let h = 0; h < NH; h++) {
      const b = document.createElement('button');
      b.className = 'chip'; b.dataset.h = h; b.textContent = h; b.style.setProperty('--c', headColour(h));
      b.title = 'head ' + h + ' (shift-click: only this head)';
      b.addEventListener('click', (e) => {
        if (e.shiftKey) { state.heads = new Set([h]); } else if (state.heads.has(h)) { state.heads.delete(h); } else { state.heads.add(h); }
        refresh();
      });
      hs.appendChild(b);
    }
    const all = document.createElement('button');
    all.className = 'chip all'; all.textContent = 'all';
    all.addEventListener('click', () => { state.heads = state.heads.size === NH ? new Set([0]) : new Set(range(NH)); refresh(); });
    hs.appendChild(all);
    $('avg').addEventListener('change', (e) => { state.avg = e.target.checked; refresh(); });
    const thr = $('thr');
    thr.value = state.thr;
    thr.addEventListener('input', () => { state.thr = +thr.value; refresh(); });
    for (const b of document.querySelectorAll('#tabs .tab')) b.addEventListener('click', () => setView(b.dataset.view));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { state.pinned = false; if (N > ALL_LINES_MAX) state.focus = meta.focus; else state.focus = -1; refresh(); }
      else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && state.focus >= 0) {
        e.preventDefault();
        setFocus(Math.min(N - 1, Math.max(0, state.focus + (e.key === 'ArrowDown' ? 1 : -1))), state.side, true);
        scrollToFocus();
      }
    });
    const lg = $('legend');
    for (let i = 0; i <= 20; i++) { const s = document.createElement('i'); s.style.background = css(colour(i / 20)); lg.appendChild(s); }
    lg.appendChild(document.createTextNode(' colour = \u221ap (0 \u2192 1) \u00b7'));
  }
  const range = (n) => Array.from({ length: n }, (_, i) => i);

  function setView(v) {
    state.view = v;
    for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + v;
    for (const b of document.querySelectorAll('#tabs .tab')) b.classList.toggle('on', b.dataset.view === v);
    document.body.dataset.view = v;
    if (v === 'head') scrollToFocus();
  }

  function setFocus(i, side, pin) {
    if (state.pinned && !pin) return;
    if (i === state.focus && side === state.side && !pin) return;
    state.focus = i; state.side = side;
    if (pin) state.pinned = true;
    refreshFocus();
  }

  // ---------------------------------------------------------------- head view
  const HV = { rowH: 20, colW: 160, gap: 300, top: 24, left: [], right: [], leftBg: [], rightBg: [], lines: null };

  function buildHeadView() {
    const svg = $('head-svg');
    HV.rowH = N > 96 ? 16 : 20;
    const width = HV.colW * 2 + HV.gap, height = HV.top + N * HV.rowH + 8;
    svg.setAttribute('width', width); svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    const mk = (tag, attrs, parent) => { const e = document.createElementNS(SVGNS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); parent.appendChild(e); return e; };
    mk('text', { x: HV.colW - 8, y: 14, 'text-anchor': 'end', class: 'colhead' }, svg).textContent = 'query (from)';
    mk('text', { x: HV.colW + HV.gap + 8, y: 14, class: 'colhead' }, svg).textContent = 'key (to)';
    const bg = mk('g', {}, svg);
    HV.lines = mk('g', { class: 'lines' }, svg);
    const texts = mk('g', { class: 'toks' }, svg);
    for (let i = 0; i < N; i++) {
      const y = HV.top + i * HV.rowH;
      const sp = SPECIAL.has(TOK[i]) ? ' special' : '';
      HV.leftBg.push(mk('rect', { x: 0, y: y, width: HV.colW, height: HV.rowH - 2, rx: 3, class: 'tbg', 'data-i': i, 'data-side': 'from' }, bg));
      HV.rightBg.push(mk('rect', { x: HV.colW + HV.gap, y: y, width: HV.colW, height: HV.rowH - 2, rx: 3, class: 'tbg', 'data-i': i, 'data-side': 'to' }, bg));
      const tl = mk('text', { x: HV.colW - 8, y: y + HV.rowH * 0.68, 'text-anchor': 'end', class: 'tok' + sp, 'data-i': i, 'data-side': 'from' }, texts);
      tl.textContent = label(TOK[i]);
      const tr = mk('text', { x: HV.colW + HV.gap + 8, y: y + HV.rowH * 0.68, class: 'tok' + sp, 'data-i': i, 'data-side': 'to' }, texts);
      tr.textContent = label(TOK[i]);
      if (TOK[i].length > LABEL_MAX) { mk('title', {}, tl).textContent = TOK[i]; mk('title', {}, tr).textContent = TOK[i]; }
      HV.left.push(tl); HV.right.push(tr);
    }
    const hit = (e) => { const t = e.target.closest('[data-i]'); return t ? [+t.dataset.i, t.dataset.side] : null; };
    svg.addEventListener('mouseover', (e) => { const h = hit(e); if (h) setFocus(h[0], h[1], false); });
    svg.addEventListener('mouseleave', () => { if (!state.pinned && N <= ALL_LINES_MAX) { state.focus = -1; refreshFocus(); } });
    svg.addEventListener('click', (e) => {
      const h = hit(e);
      if (!h) return;
      if (state.pinned && state.focus === h[0] && state.side === h[1]) { state.pinned = false; refreshFocus(); } else { setFocus(h[0], h[1], true); }
    });
  }

  function drawHeadLines() {
    const g = HV.lines;
    g.replaceChildren();
    const l = state.layer, heads = [...state.heads].sort((a, b) => a - b);
    const yc = (i) => HV.top + i * HV.rowH + (HV.rowH - 2) / 2;
    const x1 = HV.colW + 2, x2 = HV.colW + HV.gap - 2, xm = (x1 + x2) / 2;
    let count = 0;
    const groups = state.avg ? [{ hs: heads, colour: '#1f3b63' }] : heads.map((h) => ({ hs: [h], colour: headColour(h) }));
    const thr = Math.max(state.thr, 1e-4);
    for (const grp of groups) {
      if (grp.hs.length === 0) continue;
      // opacity buckets: one <path> per bucket keeps the DOM small even with thousands of lines
      const buckets = Array.from({ length: 10 }, () => []);
      const add = (i, j, w) => {
        const b = Math.min(9, Math.floor(Math.sqrt(w) * 10));
        buckets[b].push('M' + x1 + ' ' + yc(i) + 'C' + xm + ' ' + yc(i) + ' ' + xm + ' ' + yc(j) + ' ' + x2 + ' ' + yc(j));
        count++;
      };
      const rowsFrom = (i) => {
        const w = meanRow(l, i, grp.hs);
        const idx = [];
        for (let j = 0; j < N; j++) if (w[j] >= thr) idx.push(j);
        idx.sort((a, b) => w[b] - w[a]);
        for (const j of idx.slice(0, LINES_PER_HEAD_MAX)) add(i, j, w[j]);
      };
      if (state.focus < 0) {
        if (N <= ALL_LINES_MAX) for (let i = 0; i < N; i++) rowsFrom(i);
      } else if (state.side === 'from') {
        rowsFrom(state.focus);
      } else {
        const j = state.focus, col = [];
        for (let i = 0; i < N; i++) {
          let s = 0;
          for (const h of grp.hs) s += weight(l, h, i, j);
          s /= grp.hs.length;
          if (s >= thr) col.push([i, s]);
        }
        col.sort((a, b) => b[1] - a[1]);
        for (const [i, s] of col.slice(0, LINES_PER_HEAD_MAX)) add(i, j, s);
      }
      buckets.forEach((paths, b) => {
        if (paths.length === 0) return;
        const p = document.createElementNS(SVGNS, 'path');
        p.setAttribute('d', paths.join(''));
        p.setAttribute('stroke', grp.colour);
        p.setAttribute('stroke-opacity', (0.12 + 0.88 * ((b + 0.5) / 10) ** 2).toFixed(3));
        p.setAttribute('stroke-width', (1 + b * 0.25).toFixed(2));
        g.appendChild(p);
      });
    }
    document.body.dataset.headLines = String(count);

    // shade the other column by the (mean) weight, mark the focus
    for (let i = 0; i < N; i++) { HV.leftBg[i].style.fill = ''; HV.rightBg[i].style.fill = ''; HV.left[i].classList.remove('focus'); HV.right[i].classList.remove('focus'); }
    if (state.focus >= 0 && heads.length > 0) {
      const f = state.focus;
      if (state.side === 'from') {
        const w = meanRow(l, f, heads);
        for (let j = 0; j < N; j++) if (w[j] >= 0.005) HV.rightBg[j].style.fill = qcss(Math.round(Math.sqrt(w[j]) * 200));
        HV.left[f].classList.add('focus');
        HV.leftBg[f].style.fill = '#ffe08a';
      } else {
        for (let i = 0; i < N; i++) {
          let s = 0;
          for (const h of heads) s += weight(l, h, i, f);
          s /= heads.length;
          if (s >= 0.005) HV.leftBg[i].style.fill = qcss(Math.round(Math.sqrt(s) * 200));
        }
        HV.right[f].classList.add('focus');
        HV.rightBg[f].style.fill = '#ffe08a';
      }
    }
  }

  function scrollToFocus() {
    if (state.focus < 0 || state.view !== 'head') return;
    const sc = $('head-scroll');
    const y = HV.top + state.focus * HV.rowH;
    if (y < sc.scrollTop + 40 || y > sc.scrollTop + sc.clientHeight - 40) sc.scrollTop = Math.max(0, y - sc.clientHeight / 2);
  }

  // ---------------------------------------------------------------- model view
  const MV = { cells: [] };

  /** Draws an n×n byte map (bytes[off..]) into a size×size canvas, max-pooling blocks (nearest when upscaling). */
  function drawMap(canvas, bytes, off, n, size) {
    canvas.width = size; canvas.height = size;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(size, size), px = img.data;
    const c0 = new Int32Array(size), c1 = new Int32Array(size);
    for (let x = 0; x < size; x++) { c0[x] = Math.floor(x * n / size); c1[x] = Math.max(c0[x] + 1, Math.floor((x + 1) * n / size)); }
    for (let y = 0; y < size; y++) {
      const r0 = c0[y], r1 = c1[y];
      for (let x = 0; x < size; x++) {
        let m = 0;
        for (let r = r0; r < r1; r++) {
          const base = off + r * n;
          for (let c = c0[x]; c < c1[x]; c++) if (bytes[base + c] > m) m = bytes[base + c];
        }
        const p = 4 * (y * size + x);
        px[p] = LUT[3 * m]; px[p + 1] = LUT[3 * m + 1]; px[p + 2] = LUT[3 * m + 2]; px[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  function buildModelView() {
    const grid = $('model-grid');
    const thumb = Math.max(40, Math.min(96, Math.floor(1100 / NH) - 8));
    const size = Math.min(thumb * 2, Math.max(thumb, N));   // backing pixels: up to 2× for sharp small maps
    grid.style.gridTemplateColumns = 'auto repeat(' + NH + ', ' + thumb + 'px)';
    grid.appendChild(document.createElement('div'));
    for (let h = 0; h < NH; h++) { const d = document.createElement('div'); d.className = 'gh'; d.textContent = 'H' + h; grid.appendChild(d); }
    for (let l = 0; l < NL; l++) {
      const d = document.createElement('div'); d.className = 'gl'; d.textContent = 'L' + l; grid.appendChild(d);
      for (let h = 0; h < NH; h++) {
        const c = document.createElement('canvas');
        c.className = 'thumb'; c.style.width = thumb + 'px'; c.style.height = thumb + 'px';
        c.title = 'layer ' + l + ', head ' + h;
        drawMap(c, A, (l * NH + h) * N * N, N, size);
        c.addEventListener('click', () => {
          state.layer = l; state.heads = new Set([h]); $('layer').value = l; setView('head'); refresh();
        });
        grid.appendChild(c);
        MV.cells.push({ l: l, h: h, c: c });
      }
    }
    document.body.dataset.thumbnails = String(MV.cells.length);
  }

  function markModelView() {
    for (const m of MV.cells) m.c.classList.toggle('sel', m.l === state.layer && state.heads.has(m.h));
  }

  // ---------------------------------------------------------------- rollout view
  const RV = { spans: [] };

  function buildRolloutView() {
    const flow = $('rollout-text');
    for (let i = 0; i < N; i++) {
      const t = TOK[i], cont = t.startsWith('##') && t.length > 2;
      if (i > 0 && !cont) flow.appendChild(document.createTextNode(' '));
      const s = document.createElement('span');
      s.className = 'rt' + (SPECIAL.has(t) ? ' special' : '');
      s.textContent = cont ? t.slice(2) : t;
      s.dataset.i = i;
      flow.appendChild(s);
      RV.spans.push(s);
    }
    flow.addEventListener('mouseover', (e) => { const s = e.target.closest('[data-i]'); if (s) setFocus(+s.dataset.i, 'from', false); });
    flow.addEventListener('click', (e) => {
      const s = e.target.closest('[data-i]');
      if (!s) return;
      if (state.pinned && state.focus === +s.dataset.i) { state.pinned = false; refreshFocus(); } else setFocus(+s.dataset.i, 'from', true);
    });
    document.body.dataset.rolloutTokens = String(RV.spans.length);
  }

  function drawRolloutMatrix(f) {
    const c = $('rollout-canvas');
    const size = N >= 256 ? Math.min(N, 512) : N * Math.ceil(256 / N);
    drawMap(c, R, state.layer * N * N, N, size);
    const disp = Math.min(420, Math.max(256, size));
    c.style.width = disp + 'px'; c.style.height = disp + 'px';
    {
      const ctx = c.getContext('2d'), y = (f + 0.5) * size / N;
      ctx.strokeStyle = '#d93b2b'; ctx.lineWidth = Math.max(1, size / 256);
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(size, y); ctx.stroke();
    }
  }

  function fillTop(table, w, f) {
    const rows = [];
    for (let j = 0; j < N; j++) if (j !== f && !SPECIAL.has(TOK[j])) rows.push(j);
    rows.sort((a, b) => w[b] - w[a]);
    table.replaceChildren();
    const max = rows.length ? Math.max(w[rows[0]], 1e-9) : 1;
    for (const j of rows.slice(0, 8)) {
      const tr = table.insertRow();
      tr.insertCell().textContent = label(TOK[j]);
      tr.insertCell().textContent = '#' + j;
      const bar = tr.insertCell(), b = document.createElement('i');
      b.style.width = (100 * w[j] / max).toFixed(1) + '%'; bar.appendChild(b); bar.className = 'bar';
      tr.insertCell().textContent = w[j].toFixed(3);
      tr.dataset.i = j;
    }
  }

  function drawRollout() {
    for (const s of document.querySelectorAll('.lnum')) s.textContent = state.layer;
    const f = state.focus >= 0 ? state.focus : meta.focus;
    const base = (state.layer * N + f) * N, w = new Float32Array(N);
    let max = 1e-9;
    for (let j = 0; j < N; j++) { w[j] = DEC[R[base + j]]; if (j !== f && !SPECIAL.has(TOK[j])) max = Math.max(max, w[j]); }
    for (let j = 0; j < N; j++) {
      const s = RV.spans[j];
      s.classList.toggle('focus', j === f);
      if (j === f) { s.style.background = ''; s.style.color = ''; continue; }
      const t = Math.min(1, w[j] / max);                 // relative to the strongest word, linear for contrast
      s.style.background = t < 0.04 ? '' : css(colour(0.1 + t * 0.75));
      s.style.color = t > 0.75 ? '#fff' : '';
      s.title = TOK[j] + ' #' + j + ': ' + w[j].toFixed(4);
    }
    const fs = RV.spans[f], flow = $('rollout-text');
    if (fs.offsetTop < flow.scrollTop || fs.offsetTop > flow.scrollTop + flow.clientHeight - 30) flow.scrollTop = Math.max(0, fs.offsetTop - flow.clientHeight / 2);
    fillTop($('top-rollout'), w, f);
    fillTop($('top-layer'), meanRow(state.layer, f, range(NH)), f);   // "mean of heads": all of them, whatever is selected
    drawRolloutMatrix(f);
  }

  // ---------------------------------------------------------------- refresh
  function refreshFocus() {
    const f = state.focus;
    const el = $('focus');
    el.textContent = '';
    if (f >= 0) {
      const b = document.createElement('b'); b.textContent = '\u201c' + label(TOK[f]) + '\u201d';
      el.append('focus ', b, ' #' + f + (state.side === 'to' ? ' (as key)' : '') + (state.pinned ? ' \u00b7 pinned' : ''));
    } else {
      const b = document.createElement('b'); b.textContent = '\u201c' + label(TOK[meta.focus]) + '\u201d';
      el.append('hover a token \u00b7 rollout focus ', b, ' #' + meta.focus);
    }
    drawHeadLines();
    drawRollout();
  }

  function refresh() {
    const ds = document.body.dataset;               // the state, for tests and tools
    ds.layer = String(state.layer); ds.selectedHeads = [...state.heads].sort((a, b) => a - b).join(',');
    ds.focus = String(state.focus); ds.pinned = String(state.pinned);
    $('layer').value = state.layer;
    for (const b of document.querySelectorAll('#heads .chip[data-h]')) b.classList.toggle('on', state.heads.has(+b.dataset.h));
    $('thrv').textContent = state.thr.toFixed(3);
    $('avg').checked = state.avg;
    markModelView();
    refreshFocus();
  }

  function fromHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    const int = (k, lo, hi, d) => { const v = parseInt(p.get(k), 10); return Number.isFinite(v) && v >= lo && v <= hi ? v : d; };
    state.layer = int('layer', 0, NL - 1, state.layer);
    const h = p.get('head');
    if (h === 'all') state.heads = new Set(range(NH)); else if (h !== null) state.heads = new Set([int('head', 0, NH - 1, 0)]);
    const f = int('focus', 0, N - 1, -2);
    if (f >= 0) { state.focus = f; state.pinned = true; }
    if (p.get('avg') === '1') state.avg = true;
    const v = p.get('view');
    if (v === 'head' || v === 'model' || v === 'rollout') state.view = v;
  }

  function start() {
    if (A.length !== NL * NH * N * N) throw new Error('data: attention has ' + A.length + ' bytes, expected ' + NL + '\u00b7' + NH + '\u00b7' + N + '\u00b2');
    if (R.length !== NL * N * N) throw new Error('data: rollout has ' + R.length + ' bytes, expected ' + NL + '\u00b7' + N + '\u00b2');
    state.heads = new Set(NH <= 4 ? range(NH) : [0]);
    if (N > ALL_LINES_MAX) state.focus = meta.focus;   // long inputs: show the focus word's lines from the start
    if (meta.view) {                                    // the page opens on the answer: the focus word, pinned, in its strongest head
      state.layer = meta.view.layer; state.heads = new Set([meta.view.head]); state.focus = meta.view.focus; state.pinned = true;
    }
    fromHash();
    buildToolbar();
    buildHeadView();
    buildModelView();
    buildRolloutView();
    setView(state.view);
    refresh();
    scrollToFocus();
    const ds = document.body.dataset;
    ds.tokens = String(N); ds.layers = String(NL); ds.heads = String(NH);
    ds.headTokens = String(HV.left.length + HV.right.length);
    ds.titleHeight = String($('title').offsetHeight);
    ds.renderMs = String(Math.round(performance.now() - T0));
    ds.rendered = 'ok';
  }

  const T0 = performance.now();
  document.body.dataset.rendered = 'decoding';
  Promise.all([unpack(meta.attn), unpack(meta.rollout)])
    .then((r) => { A = r[0]; R = r[1]; start(); })
    .catch((e) => { document.body.dataset.rendered = 'failed'; report(e && e.stack ? e.message + '\n' + e.stack : e); });
})();
