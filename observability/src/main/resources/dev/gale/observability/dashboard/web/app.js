// Gale dashboard: reads /api/*, listens to /api/events, draws with ECharts (canvas, no animation).
'use strict';
(function () {
  const token = new URLSearchParams(location.search).get('token');
  const PAGE = 100;
  const st = {exps: [], exp: null, data: null, byIndex: new Map(), plots: null, sort: {key: 'i', dir: 1},
    filter: '', page: 0, trial: null, lags: [], charts: {}, plotTimer: null, tableTimer: null, lastPlots: 0};
  window.galeDrawn = {};
  window.galeTimes = {}; // ms of each chart's setOption and of each answer's JSON.parse
  window.galeState = st;
  // when each step of the page's load happened (ms since navigation): what the bench prints
  const marks = window.galeMarks = {start: Math.round(performance.now())};
  const mark = k => { if (marks[k] == null) marks[k] = Math.round(performance.now()); };

  // the list of experiments is preloaded by the page's head: asked for by that link's exact URL, the answer is reused
  const preloaded = document.querySelector('link[rel=preload][as=fetch]');
  function api(path) {
    const sep = path.includes('?') ? '&' : '?';
    const url = path === '/api/experiments' && preloaded ? preloaded.href : path + (token ? sep + 'token=' + encodeURIComponent(token) : '');
    return fetch(url).then(r => {
      if (!r.ok) return r.text().then(t => { throw new Error(r.status + ': ' + t); });
      return r.text().then(t => {
        const t0 = performance.now(), v = JSON.parse(t); // timed: the bench prints how long each answer took to parse
        window.galeTimes['parse ' + path.split('?')[0]] = Math.round(performance.now() - t0);
        return v;
      });
    });
  }
  const $ = id => document.getElementById(id);
  // ECharts (preloaded by the page's head) is run once the data is asked for (select), so that the
  // server answers while the browser compiles it; everything that draws waits for it
  let libPromise = null;
  function lib() {
    if (!libPromise) libPromise = new Promise((resolve, reject) => {
      const failed = () => reject(new Error('the chart library (static/echarts.min.js) could not be loaded: reload the page'));
      if (window.echarts) return resolve();
      const pre = $('echarts-lib'), s = document.createElement('script');
      s.src = pre ? pre.href : 'static/echarts.min.js?v=5.3.1-gale1' + (token ? '&token=' + encodeURIComponent(token) : '');
      s.onload = () => window.echarts ? resolve() : failed();
      s.onerror = failed;
      document.body.appendChild(s);
    }).then(() => mark('chartLibrary'));
    return libPromise;
  }
  const esc = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  const fmt = v => v == null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(5) : v.toExponential(3))) : String(v);

  function chart(name) {
    let c = st.charts[name];
    if (!c) {
      c = echarts.init($('plot-' + name), null, {renderer: 'canvas'});
      c.on('finished', () => { window.galeDrawn[name] = true; $('plot-' + name).dataset.drawn = 'true'; mark('drawn:' + name); });
      st.charts[name] = c;
    }
    return c;
  }
  function draw(name, option) {
    window.galeDrawn[name] = false;
    $('plot-' + name).dataset.drawn = 'false';
    const t0 = performance.now();
    chart(name).setOption(Object.assign({animation: false}, option), true);
    window.galeTimes[name] = Math.round(performance.now() - t0);
  }

  // ---- experiments ----
  function loadExperiments() {
    return api('/api/experiments').then(list => {
      st.exps = list;
      const ul = $('exp-list');
      ul.innerHTML = list.map(e => `<li data-id="${esc(e.id)}" class="${st.exp === e.id ? 'sel' : ''}">${esc(e.name)} <span class="muted">${esc(e.status.toLowerCase())}, ${e.trialCount}</span></li>`).join('');
      ul.querySelectorAll('li').forEach(li => li.onclick = () => select(li.dataset.id));
      if (!st.exp && list.length) return select(list[0].id);
    });
  }
  // ---- cluster ----
  const gib = b => b == null ? '' : (b / 2 ** 30).toFixed(1) + ' GiB';
  function loadCluster() {
    return api('/api/cluster').then(renderCluster);
  }
  function renderCluster(c) {
    st.cluster = c;
    const groups = c.workerGroups || [];
    $('cluster-nav').hidden = !c.watching && !c.autoscaler && !groups.length;
    renderScaling(c.autoscaler, groups);
    if (!c.watching) return;
    $('cluster-at').textContent = 'as of ' + c.at;
    $('nodes').tBodies[0].innerHTML = c.nodes.map(n => `<tr data-node="${esc(n.id)}"><td>${esc(n.id)}</td>` +
      `<td>${fmt(n.freeCpus)} / ${fmt(n.cpus)}</td><td>${gib(n.freeMemory)} / ${gib(n.memory)}</td>` +
      `<td>${n.gpus.length ? n.gpus.map(g => `#${g.index} ${esc(g.name)}: ${fmt(g.free)}, ${gib(g.freeMemory)} / ${gib(g.memory)}, ${Math.round(100 * (g.utilization || 0))}%`).join('<br>') : 'none'}</td>` +
      `<td>${n.leases}</td><td>${esc(Object.entries(n.labels).map(e => e.join('=')).join(' '))}</td>` +
      `<td>${n.draining ? 'draining' : n.idleSince ? 'idle since ' + esc(n.idleSince) : 'busy'}</td></tr>`).join('');
    $('waiting').tBodies[0].innerHTML = c.waiting.map(w => `<tr class="${w.feasible ? '' : 'bad'}"><td>${esc(w.group)}</td><td>${esc(w.bundle)}</td>` +
      `<td>${w.count}</td><td>${fmt(w.ageS)}</td><td>${w.feasible ? 'yes' : 'no: no node shape holds it'}</td></tr>`).join('');
    $('waiting-note').textContent = c.waiting.length ? `${c.waiting.filter(w => !w.feasible).length} unsatisfiable` +
      (c.moreWaiting ? `, ${c.moreWaiting} more not listed` : '') : 'none';
  }
  function renderScaling(a, groups) {
    $('autoscaler').hidden = !a;
    if (a) {
      const live = a.instances.filter(i => i.state !== 'TERMINATED').length;
      $('autoscaler-note').textContent = `cluster ${a.cluster}, provider ${a.provider}: ${live} instance(s), ${fmt(a.costPerHour)} per hour`;
      $('instances').tBodies[0].innerHTML = a.instances.map(i => `<tr data-instance="${esc(i.id)}"><td>${esc(i.id)}</td><td>${esc(i.type)}</td>` +
        `<td>${esc(i.state)}</td><td>${esc(i.node)}</td><td>${esc(i.since || '')}</td><td>${esc(i.reason)}</td></tr>`).join('');
      $('autoscaler-unsatisfiable').innerHTML = a.unsatisfiable.map(u => `<li>unsatisfiable: ${esc(u)}</li>`).join('');
    }
    $('groups-box').hidden = !groups.length;
    $('groups-note').textContent = groups.length ? `${groups.length} running` : '';
    $('groups').tBodies[0].innerHTML = groups.map(g => g.ranks.map((r, k) => `<tr data-group="${esc(g.trial)}">` +
      (k === 0 ? `<td rowspan="${g.ranks.length + 1}">${esc(g.experiment)}</td><td rowspan="${g.ranks.length + 1}">${esc(g.trial)}</td>` +
        `<td rowspan="${g.ranks.length + 1}">${esc(g.node)}</td>` : '') +
      `<td>${r.rank}</td><td>${fmt(r.samplesPerS)}</td></tr>`).join('') +
      `<tr data-group="${esc(g.trial)}" class="muted"><td>all</td><td>${fmt(g.totalSamplesPerS)}</td></tr>`).join('');
  }
  function showCluster() {
    $('experiment').hidden = true; $('cluster').hidden = false;
    document.querySelectorAll('#exp-list li').forEach(li => li.classList.remove('sel'));
    $('cluster-link').classList.add('sel');
  }
  $('cluster-link').onclick = showCluster;

  function select(id) {
    $('experiment').hidden = false; $('cluster').hidden = true; $('cluster-link').classList.remove('sel');
    st.exp = id; st.page = 0; st.trial = null; $('trial').hidden = true;
    document.querySelectorAll('#exp-list li').forEach(li => li.classList.toggle('sel', li.dataset.id === id));
    // the trials and the plots are fetched together (the plots of the experiment's own metric first)
    const summary = st.exps.find(e => e.id === id);
    const plots = summary && (summary.metric || summary.metrics.length) ? fetchPlots(id, summary.metric || summary.metrics[0],
      summary.mode || 'MIN', '', 'MIN') : null;
    const rows = api('/api/experiments/' + encodeURIComponent(id) + '?rows=compact').then(d => {
      mark('experiment');
      d.trials = expandRows(d);
      mark('rowsExpanded');
      if (st.exp !== id) return;
      st.data = d;
      st.byIndex = new Map(d.trials.map(t => [t.i, t]));
      fillControls(d);
      head(d);
      renderTable();
      mark('table');
    });
    lib(); // compiles while the answers travel
    if (!plots) return rows.then(() => loadPlots());
    // the plots are drawn as soon as their data is here, while the rows still travel
    const drawn = plots.promise.then(p => {
      mark('plotsData');
      if (st.exp !== id) return;
      st.plots = p;
      return drawPlots(p).then(() => mark('plotsSet'));
    });
    return Promise.all([rows, drawn]).then(() => {
      if (st.exp === id && ($('metric').value !== plots.metric || $('metric2').value)) return loadPlots();
    });
  }
  // the rows of ?rows=compact (columns named once) as the objects the live feed sends
  function expandRows(d) {
    const cp = d.columns.config, cl = d.columns.last;
    return d.trials.map(r => {
      const config = {}, last = {};
      r[3].forEach((v, k) => { if (v !== null) config[cp[k]] = v; });
      r[4].forEach((v, k) => { if (v !== null) last[cl[k]] = v; });
      if (r[11]) Object.assign(last, r[11]);
      return {i: r[0], id: r[1], status: r[2], config, last, attempts: r[5], failures: r[6], node: r[7], gpus: r[8], error: r[9], bad: r[10]};
    });
  }
  function fillControls(d) {
    const m = $('metric'), m2 = $('metric2');
    const metrics = d.metrics.filter(x => x !== 'training_iteration');
    const keep = metrics.includes(m.value) ? m.value : (d.metric && metrics.includes(d.metric) ? d.metric : metrics[0] || '');
    m.innerHTML = metrics.map(x => `<option>${esc(x)}</option>`).join('');
    m.value = keep;
    const keep2 = m2.value;
    m2.innerHTML = '<option value="">none</option>' + metrics.map(x => `<option>${esc(x)}</option>`).join('');
    if (metrics.includes(keep2)) m2.value = keep2;
    if (d.mode && keep === d.metric) $('mode').value = d.mode;
  }
  function head(d) {
    $('exp-head').innerHTML = `<b id="exp-name">${esc(d.name)}</b> · <span id="exp-status">${esc(d.status)}</span> · ${d.trialCount} trials` +
      (d.metric ? ` · ${esc(d.metric)} (${esc(d.mode || '')})` : '') +
      (d.searcher ? ` · searcher ${esc(d.searcher)}` : '') + (d.scheduler ? ` · scheduler ${esc(d.scheduler)}` : '') +
      (d.note ? ` · ${esc(d.note)}` : '') + ` <span class="muted">${esc(d.dir)}</span>`;
    const w = $('exp-warn');
    w.hidden = !d.badLines;
    w.textContent = d.badLines ? `${d.badLines} unreadable line(s) in result.jsonl files were skipped (torn or corrupted); the trials marked ⚠ show them.` : '';
  }

  // ---- table ----
  function columns() {
    const d = st.data, metric = $('metric').value;
    const cols = [['i', '#', t => t.i], ['id', 'trial', t => t.id], ['status', 'status', t => t.status]];
    const ms = [metric].concat(d.metrics.filter(x => x !== metric && x !== 'training_iteration' && x !== 'time_total_s').slice(0, 3));
    ms.filter(x => x).forEach(x => cols.push(['m:' + x, x, t => t.last[x]]));
    cols.push(['it', 'iter', t => t.last.training_iteration], ['att', 'attempts', t => t.attempts],
      ['node', 'node', t => t.node], ['gpus', 'GPU', t => t.gpus]);
    d.params.forEach(p => cols.push(['p:' + p, p, t => t.config[p]]));
    cols.push(['err', 'error', t => (t.bad ? `⚠ ${t.bad} unreadable line(s) ` : '') + (t.error || '')]);
    return cols;
  }
  function rows() {
    let list = st.data.trials;
    const f = st.filter.trim().toLowerCase();
    if (f) {
      const m = /^status:(\w+)$/.exec(f);
      list = m ? list.filter(t => t.status.toLowerCase() === m[1])
        : list.filter(t => (t.id + ' ' + t.status + ' ' + JSON.stringify(t.config) + ' ' + (t.error || '')).toLowerCase().includes(f));
    }
    const col = columns().find(c => c[0] === st.sort.key) || columns()[0];
    const get = col[2], dir = st.sort.dir;
    return list.slice().sort((a, b) => {
      const x = get(a), y = get(b);
      if (x == null && y == null) return 0;
      if (x == null) return 1;
      if (y == null) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
    });
  }
  function renderTable() {
    if (!st.data) return;
    const cols = columns(), list = rows();
    const pages = Math.max(1, Math.ceil(list.length / PAGE));
    st.page = Math.min(st.page, pages - 1);
    $('trials').tHead.innerHTML = '<tr>' + cols.map(c => `<th data-k="${esc(c[0])}">${esc(c[1])}${st.sort.key === c[0] ? (st.sort.dir > 0 ? ' ▲' : ' ▼') : ''}</th>`).join('') + '</tr>';
    $('trials').tHead.querySelectorAll('th').forEach(th => th.onclick = () => {
      st.sort = {key: th.dataset.k, dir: st.sort.key === th.dataset.k ? -st.sort.dir : 1};
      renderTable();
    });
    const shown = list.slice(st.page * PAGE, st.page * PAGE + PAGE);
    $('trials').tBodies[0].innerHTML = shown.map(t => `<tr data-id="${esc(t.id)}" class="${t.bad ? 'bad' : ''}">` +
      cols.map(c => `<td class="${c[0] === 'status' ? 'st-' + t.status : ''}" data-k="${esc(c[0])}">${esc(fmt(c[2](t)))}</td>`).join('') + '</tr>').join('');
    $('trials').tBodies[0].querySelectorAll('tr').forEach(tr => tr.onclick = () => openTrial(tr.dataset.id));
    $('count').textContent = `${list.length} of ${st.data.trials.length} · page ${st.page + 1}/${pages}`;
  }
  function scheduleTable() {
    if (st.tableTimer) return;
    st.tableTimer = setTimeout(() => { st.tableTimer = null; renderTable(); }, 150);
  }

  // ---- plots ----
  function loadPlots() {
    if (!st.exp) return Promise.resolve();
    const metric = $('metric').value;
    if (!metric) return Promise.resolve();
    return fetchPlots(st.exp, metric, $('mode').value, $('metric2').value, $('mode2').value).promise
      .then(p => { st.plots = p; return drawPlots(p); });
  }
  function fetchPlots(exp, metric, mode, metric2, mode2) {
    const q = `?metric=${encodeURIComponent(metric)}&mode=${mode}` +
      (metric2 ? `&metric2=${encodeURIComponent(metric2)}&mode2=${mode2}` : '');
    st.lastPlots = Date.now();
    return {metric, promise: api('/api/experiments/' + encodeURIComponent(exp) + '/plots' + q)};
  }
  function schedulePlots() {
    if (st.plotTimer) return;
    const wait = Math.max(200, 1000 - (Date.now() - st.lastPlots));
    st.plotTimer = setTimeout(() => { st.plotTimer = null; loadPlots(); }, wait);
  }
  const grid = {left: 60, right: 20, top: 20, bottom: 40};
  // the best-so-far step line needs only the points where the best changes (and the last one):
  // the same line as one point per trial, with a few dozen points instead of 10,000
  function bestSteps(history) {
    const out = [];
    let prev;
    history.forEach((h, k) => {
      if (k === 0 || h[2] !== prev || k === history.length - 1) out.push([h[0], h[2]]);
      prev = h[2];
    });
    return out;
  }
  // draws every plot of p once ECharts is in (at once when it is); a promise of that
  // a large scatter's points as one flat typed array (x, y, x, y, ...; no array a point, no string
  // dimension for ECharts to index): ECharts stores and draws them as they are; a missing value is NaN
  function xy(list, fx, fy) {
    const out = new Float64Array(2 * list.length);
    list.forEach((e, k) => { const x = fx(e), y = fy(e); out[2 * k] = x == null ? NaN : x; out[2 * k + 1] = y == null ? NaN : y; });
    return out;
  }
  const pointTip = (series, id, x, y) => `${esc(series)}<br>${esc(id)}: ${esc(x)}, ${esc(y)}`;
  function drawPlots(p) {
    if (window.echarts) { drawPlotsNow(p); return Promise.resolve(); }
    return lib().then(() => { if (st.plots === p) drawPlotsNow(p); });
  }
  function drawPlotsNow(p) {
    draw('history', {grid, tooltip: {trigger: 'item'}, xAxis: {type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', scale: true, name: p.metric},
      series: [{type: 'scatter', name: p.metric, symbolSize: 4, large: true, progressive: 0, dimensions: ['trial', p.metric],
        data: xy(p.history, h => h[0], h => h[1]), tooltip: {formatter: o => pointTip(p.metric, p.history[o.dataIndex][3], o.value[0], o.value[1])}},
        {type: 'line', name: 'best so far', step: 'end', showSymbol: false, data: bestSteps(p.history), lineStyle: {color: '#dc2626'}}]});
    const markerColor = {PAUSED: '#a16207', RESUMED: '#15803d', CONFIG_CHANGED: '#7c3aed', RETRIED: '#ea580c', STOPPED_EARLY: '#6b7280', ERROR: '#b91c1c', INTERRUPTED: '#374151'};
    $('curves-note').textContent = p.curves.total > p.curves.series.length ? `(best ${p.curves.series.length} of ${p.curves.total})` : '';
    draw('curves', {grid, tooltip: {trigger: 'item'}, xAxis: {type: 'value', name: 'training_iteration', nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', scale: true, name: p.metric},
      series: p.curves.series.map(s => ({type: 'line', name: s.id, showSymbol: false, data: s.points, lineStyle: {width: 1},
        markPoint: {symbolSize: 18, data: s.markers.filter(m => m[1] != null).map(m => ({coord: [m[0], m[1]], name: m[2], value: m[2][0],
          itemStyle: {color: markerColor[m[2]] || '#000'}, tooltip: {formatter: `${s.id}: ${m[2]} ${m[3]}`}}))}}))});
    const axes = p.parcoords.axes;
    if (p.parcoords.lines.length > FAST_PARCOORDS) drawParcoordsFast(p); else drawParcoordsCharts(p);
    const imp = p.importance.slice().reverse();
    draw('importance', {grid: {left: 110, right: 30, top: 10, bottom: 30}, tooltip: {},
      xAxis: {type: 'value', max: 1}, yAxis: {type: 'category', data: imp.map(x => x[0])},
      series: [{type: 'bar', data: imp.map(x => x[1]), label: {show: true, position: 'right', formatter: o => (o.value * 100).toFixed(1) + '%'}}]});
    drawSlice(p);
    drawContour(p);
    drawPareto(p);
  }
  // parallel coordinates: ECharts (axis brushing) up to FAST_PARCOORDS lines, a plain canvas above
  // (ECharts draws each line as its own element: seconds for 10,000 lines)
  const FAST_PARCOORDS = 2000;
  function drawParcoordsCharts(p) {
    const fast = $('plot-parcoords').querySelector('canvas.fast');
    if (fast) fast.remove();
    const axes = p.parcoords.axes;
    draw('parcoords', {parallel: {left: 60, right: 80, top: 40, bottom: 30},
      parallelAxis: axes.map((a, i) => a.categorical ? {dim: i, name: a.name, type: 'category', data: a.categories}
        : {dim: i, name: a.name, type: a.log ? 'log' : 'value', min: a.min, max: a.max, scale: true,
          axisLabel: {formatter: v => String(+Number(v).toPrecision(3)), showMinLabel: false, showMaxLabel: false}}),
      visualMap: axes.length ? {show: true, dimension: axes.length - 1, min: axes[axes.length - 1].min, max: axes[axes.length - 1].max,
        inRange: {color: ['#1d4ed8', '#fbbf24', '#dc2626']}, right: 0, top: 'middle', calculable: true, itemHeight: 120} : undefined,
      series: [{type: 'parallel', progressive: 0, lineStyle: {width: 1, opacity: 0.35}, data: p.parcoords.lines}]});
  }
  function drawParcoordsFast(p) {
    const div = $('plot-parcoords');
    if (st.charts.parcoords) { st.charts.parcoords.dispose(); delete st.charts.parcoords; }
    window.galeDrawn.parcoords = false;
    div.dataset.drawn = 'false';
    const t0 = performance.now();
    let cv = div.querySelector('canvas.fast');
    if (!cv) { cv = document.createElement('canvas'); cv.className = 'fast'; div.innerHTML = ''; div.appendChild(cv); }
    const dpr = window.devicePixelRatio || 1, W = div.clientWidth, H = div.clientHeight;
    cv.width = W * dpr; cv.height = H * dpr; cv.style.width = W + 'px'; cv.style.height = H + 'px';
    const g = cv.getContext('2d');
    g.scale(dpr, dpr);
    const axes = p.parcoords.axes, n = axes.length, left = 60, right = W - 90, top = 40, bottom = H - 30;
    if (n < 2) { window.galeDrawn.parcoords = true; div.dataset.drawn = 'true'; return; }
    const xs = axes.map((a, i) => left + i * (right - left) / (n - 1));
    const ys = axes.map(a => {
      if (a.categorical) { const k = Math.max(1, a.categories.length - 1); return v => bottom - (a.categories.length === 1 ? 0.5 : v / k) * (bottom - top); }
      const lg = a.log && a.min > 0, lo = lg ? Math.log(a.min) : a.min, hi = lg ? Math.log(a.max) : a.max, span = hi > lo ? hi - lo : 1;
      return v => bottom - ((lg ? Math.log(v) : v) - lo) / span * (bottom - top);
    });
    const m = axes[n - 1], BUCKETS = 16, colors = [...Array(BUCKETS).keys()].map(k => ramp(k / (BUCKETS - 1)));
    const paths = colors.map(() => new Path2D());
    p.parcoords.lines.forEach(l => {
      const t = m.max > m.min ? (l[n - 1] - m.min) / (m.max - m.min) : 0;
      const path = paths[Math.max(0, Math.min(BUCKETS - 1, Math.round(t * (BUCKETS - 1))))];
      for (let i = 0; i < n; i++) { const y = ys[i](l[i]); if (i === 0) path.moveTo(xs[i], y); else path.lineTo(xs[i], y); }
    });
    g.lineWidth = 1;
    g.globalAlpha = p.parcoords.lines.length > 5000 ? 0.12 : 0.3;
    // the best trials drawn last, on top
    const order = [...Array(BUCKETS).keys()];
    if (p.mode === 'MIN') order.reverse();
    order.forEach(k => { g.strokeStyle = colors[k]; g.stroke(paths[k]); });
    g.globalAlpha = 1;
    g.strokeStyle = '#6e7079'; g.fillStyle = '#333'; g.font = '12px sans-serif'; g.textAlign = 'center';
    axes.forEach((a, i) => {
      g.beginPath(); g.moveTo(xs[i], top); g.lineTo(xs[i], bottom); g.stroke();
      g.fillText(a.name, xs[i], top - 14);
      g.font = '10px sans-serif'; g.textAlign = 'left'; g.fillStyle = '#6e7079';
      if (a.categorical) a.categories.forEach((c, k) => g.fillText(c, xs[i] + 4, ys[i](k) + 3));
      else { g.fillText(String(+Number(a.max).toPrecision(3)), xs[i] + 4, top + 8); g.fillText(String(+Number(a.min).toPrecision(3)), xs[i] + 4, bottom); }
      g.font = '12px sans-serif'; g.textAlign = 'center'; g.fillStyle = '#333';
    });
    const gx = W - 40;
    for (let k = 0; k < 100; k++) { g.fillStyle = ramp(k / 99); g.fillRect(gx, bottom - (k + 1) * (bottom - top) / 100, 12, (bottom - top) / 100 + 1); }
    g.fillStyle = '#333'; g.textAlign = 'center'; g.font = '10px sans-serif';
    g.fillText(String(+Number(m.max).toPrecision(3)), gx + 6, top - 4); g.fillText(String(+Number(m.min).toPrecision(3)), gx + 6, bottom + 12);
    window.galeTimes.parcoords = Math.round(performance.now() - t0);
    mark('drawn:parcoords');
    window.galeDrawn.parcoords = true;
    div.dataset.drawn = 'true';
  }
  function ramp(t) {
    const a = [[0x1d, 0x4e, 0xd8], [0xfb, 0xbf, 0x24], [0xdc, 0x26, 0x26]], s = Math.max(0, Math.min(1, t)) * 2, i = Math.min(1, Math.floor(s)), f = s - i;
    const c = [0, 1, 2].map(k => Math.round(a[i][k] * (1 - f) + a[i + 1][k] * f));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }
  const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];
  function drawSlice(p) {
    if (p.parcoords.lines.length > FAST_PARCOORDS) return drawSliceFast(p);
    const old = $('plot-slice').querySelector('canvas.fast');
    if (old) old.remove();
    const axes = p.parcoords.axes, n = Math.max(0, axes.length - 1);
    const ranked = p.importance.map(x => x[0]);
    const idx = [...Array(n).keys()].sort((a, b) => rank(ranked, axes[a].name) - rank(ranked, axes[b].name)).slice(0, 10);
    const perRow = 5, rowsN = Math.max(1, Math.ceil(idx.length / perRow));
    const grids = [], xs = [], ys = [], series = [];
    idx.forEach((ai, k) => {
      const a = axes[ai], r = Math.floor(k / perRow), c = k % perRow;
      grids.push({left: (2 + c * 19.6) + '%', width: '15%', top: (8 + r * (90 / rowsN)) + '%', height: (90 / rowsN - 20) + '%'});
      xs.push(a.categorical ? {gridIndex: k, type: 'category', data: a.categories, name: a.name, nameLocation: 'middle', nameGap: 20}
        : {gridIndex: k, type: a.log ? 'log' : 'value', name: a.name, nameLocation: 'middle', nameGap: 20, scale: true});
      ys.push({gridIndex: k, type: 'value', scale: true, axisLabel: {show: c === 0}});
      series.push({type: 'scatter', xAxisIndex: k, yAxisIndex: k, symbolSize: 3, large: true, progressive: 0,
        data: p.parcoords.lines.map(l => [a.categorical ? a.categories[l[ai]] : l[ai], l[axes.length - 1]])});
    });
    $('plot-slice').style.height = (220 * rowsN + 40) + 'px';
    chart('slice').resize();
    draw('slice', {grid: grids.length ? grids : [{}], xAxis: xs.length ? xs : [{}], yAxis: ys.length ? ys : [{}], series});
  }
  // slice plots of many trials on a plain canvas, as the fast parallel coordinates
  function drawSliceFast(p) {
    const div = $('plot-slice');
    if (st.charts.slice) { st.charts.slice.dispose(); delete st.charts.slice; }
    window.galeDrawn.slice = false;
    div.dataset.drawn = 'false';
    const t0 = performance.now();
    const axes = p.parcoords.axes, n = Math.max(0, axes.length - 1), lines = p.parcoords.lines;
    const ranked = p.importance.map(x => x[0]);
    const idx = [...Array(n).keys()].sort((a, b) => rank(ranked, axes[a].name) - rank(ranked, axes[b].name)).slice(0, 10);
    const perRow = 5, rowsN = Math.max(1, Math.ceil(idx.length / perRow));
    div.style.height = (220 * rowsN + 40) + 'px';
    let cv = div.querySelector('canvas.fast');
    if (!cv) { cv = document.createElement('canvas'); cv.className = 'fast'; div.innerHTML = ''; div.appendChild(cv); }
    const dpr = window.devicePixelRatio || 1, W = div.clientWidth, H = div.clientHeight;
    cv.width = W * dpr; cv.height = H * dpr; cv.style.width = W + 'px'; cv.style.height = H + 'px';
    const g = cv.getContext('2d');
    g.scale(dpr, dpr);
    const m = axes[n] || {min: 0, max: 1}, ylo = m.min, yspan = m.max > m.min ? m.max - m.min : 1;
    const pw = W / perRow, ph = (H - 20) / rowsN;
    const panels = idx.map((ai, k) => {
      const a = axes[ai], r = Math.floor(k / perRow), c = k % perRow;
      const x0 = c * pw + 45, x1 = (c + 1) * pw - 15, y0 = 15 + r * ph, y1 = (r + 1) * ph - 30;
      let fx;
      if (a.categorical) { const cnt = a.categories.length; fx = v => x0 + (v + 0.5) / cnt * (x1 - x0); }
      else { const lg = a.log && a.min > 0, lo = lg ? Math.log(a.min) : a.min, hi = lg ? Math.log(a.max) : a.max, sp = hi > lo ? hi - lo : 1;
        fx = v => x0 + ((lg ? Math.log(v) : v) - lo) / sp * (x1 - x0); }
      const fy = v => y1 - (v - ylo) / yspan * (y1 - y0);
      return {a, ai, k, x0, x1, y0, y1, fx, fy};
    });
    // the dots are written into the canvas's pixels (10 panels of 10,000 trials: 100,000 squares in a
    // few ms; as canvas paths they took 100-150 ms on a cold page), then axes and labels over them
    const img = g.createImageData(cv.width, cv.height);
    panels.forEach(q => dots(img, dpr, PALETTE[q.k % PALETTE.length], lines, q.ai, n, q.fx, q.fy));
    g.putImageData(img, 0, 0);
    panels.forEach(({a, x0, x1, y0, y1, fx}) => {
      g.strokeStyle = '#6e7079';
      g.beginPath(); g.moveTo(x0, y0); g.lineTo(x0, y1); g.lineTo(x1, y1); g.stroke();
      g.fillStyle = '#6e7079'; g.font = '10px sans-serif';
      g.textAlign = 'center';
      if (a.categorical) a.categories.forEach((cat, i) => g.fillText(cat, fx(i), y1 + 11));
      else { g.textAlign = 'left'; g.fillText(String(+Number(a.min).toPrecision(3)), x0, y1 + 11);
        g.textAlign = 'right'; g.fillText(String(+Number(a.max).toPrecision(3)), x1, y1 + 11); }
      g.textAlign = 'right';
      g.fillText(String(+Number(m.max).toPrecision(3)), x0 - 3, y0 + 8); g.fillText(String(+Number(m.min).toPrecision(3)), x0 - 3, y1);
      g.fillStyle = '#333'; g.font = '12px sans-serif'; g.textAlign = 'center';
      g.fillText(a.name, (x0 + x1) / 2, y1 + 24);
    });
    window.galeTimes.slice = Math.round(performance.now() - t0);
    mark('drawn:slice');
    window.galeDrawn.slice = true;
    div.dataset.drawn = 'true';
  }
  // a 2.5 px square (in CSS pixels) of colour `color` at 60 % opacity for each line's (fx(l[ai]), fy(l[n])),
  // blended into the image's pixels as canvas drawing would (one colour a panel: only the opacity adds up)
  function dots(img, dpr, color, lines, ai, n, fx, fy) {
    const px = img.data, w = img.width, h = img.height, size = Math.max(2, Math.round(2.5 * dpr));
    const cr = parseInt(color.slice(1, 3), 16), cg = parseInt(color.slice(3, 5), 16), cb = parseInt(color.slice(5, 7), 16);
    for (let j = 0; j < lines.length; j++) {
      const l = lines[j], x = Math.round((fx(l[ai]) - 1) * dpr), y = Math.round((fy(l[n]) - 1) * dpr);
      if (!(x > -size && x < w && y > -size && y < h)) continue; // off the canvas, or not a number
      for (let yy = Math.max(0, y); yy < Math.min(h, y + size); yy++) {
        for (let xx = Math.max(0, x), o = (yy * w + xx) * 4; xx < Math.min(w, x + size); xx++, o += 4) {
          px[o] = cr; px[o + 1] = cg; px[o + 2] = cb; px[o + 3] += (255 - px[o + 3]) * 0.6;
        }
      }
    }
  }
  function rank(ranked, name) { const i = ranked.indexOf(name); return i < 0 ? 1e9 : i; }
  function drawContour(p) {
    const axes = p.parcoords.axes, n = axes.length - 1;
    const ranked = p.importance.map(x => x[0]);
    const num = [...Array(Math.max(0, n)).keys()].filter(i => !axes[i].categorical).sort((a, b) => rank(ranked, axes[a].name) - rank(ranked, axes[b].name));
    if (num.length < 2) { $('contour-note').textContent = '(needs two numeric parameters)'; draw('contour', {series: []}); return; }
    const [ax, ay] = num, A = axes[ax], B = axes[ay], BINS = 20;
    $('contour-note').textContent = `(${A.name} × ${B.name}, mean ${p.metric} per cell)`;
    const tr = (a, v) => a.log ? Math.log(v) : v;
    const bin = (a, v) => { const lo = tr(a, a.min), hi = tr(a, a.max); return hi > lo ? Math.min(BINS - 1, Math.floor((tr(a, v) - lo) / (hi - lo) * BINS)) : 0; };
    const sum = new Float64Array(BINS * BINS), cnt = new Int32Array(BINS * BINS);
    p.parcoords.lines.forEach(l => { const k = bin(A, l[ax]) * BINS + bin(B, l[ay]); sum[k] += l[n]; cnt[k]++; });
    const data = [];
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < BINS; i++) for (let j = 0; j < BINS; j++) {
      const k = i * BINS + j;
      if (cnt[k]) { const v = sum[k] / cnt[k]; data.push([i, j, v]); lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    const label = a => [...Array(BINS).keys()].map(i => { const l0 = tr(a, a.min), h0 = tr(a, a.max), v = l0 + (i + 0.5) * (h0 - l0) / BINS; return fmt(a.log ? Math.exp(v) : v); });
    draw('contour', {grid, tooltip: {}, xAxis: {type: 'category', data: label(A), name: A.name, nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'category', data: label(B), name: B.name},
      visualMap: {min: lo, max: hi === lo ? lo + 1 : hi, calculable: true, orient: 'vertical', right: 0, top: 'middle', itemHeight: 100, inRange: {color: ['#1d4ed8', '#fbbf24', '#dc2626']}},
      series: [{type: 'heatmap', data}]});
  }
  function drawPareto(p) {
    if (!p.pareto) {
      $('pareto-note').textContent = '(choose a second objective above)';
      draw('pareto', {title: {text: 'choose a second objective', left: 'center', top: 'middle', textStyle: {color: '#aaa', fontSize: 13}}, series: []});
      return;
    }
    const pts = p.pareto.points, dominated = pts.filter(x => !x[2]);
    $('pareto-note').textContent = `(${pts.filter(x => x[2]).length} on the front)`;
    draw('pareto', {grid, tooltip: {}, legend: {top: 0},
      xAxis: {type: 'value', scale: true, name: p.pareto.x + ' (' + p.pareto.xMode + ')', nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', scale: true, name: p.pareto.y + ' (' + p.pareto.yMode + ')'},
      series: [{type: 'scatter', name: 'dominated', symbolSize: 4, large: true, progressive: 0, itemStyle: {color: '#9ca3af'}, dimensions: [p.pareto.x, p.pareto.y],
        data: xy(dominated, x => x[0], x => x[1]), tooltip: {formatter: o => pointTip('dominated', dominated[o.dataIndex][3], o.value[0], o.value[1])}},
        {type: 'scatter', name: 'Pareto front', symbolSize: 7, itemStyle: {color: '#dc2626'}, data: pts.filter(x => x[2]).map(x => [x[0], x[1], x[3]])}]});
  }

  // ---- one trial ----
  function openTrial(id) {
    st.trial = id;
    return api('/api/experiments/' + encodeURIComponent(st.exp) + '/trials/' + encodeURIComponent(id)).then(t => {
      $('trial').hidden = false;
      $('trial-id').textContent = id;
      $('trial-info').innerHTML = `status <b>${esc(t.status)}</b> · attempts ${t.attempts} · failures ${t.failures}` +
        (t.node ? ` · node ${esc(t.node)}` : '') + (t.gpus ? ` · GPU ${esc(t.gpus)}` : '') +
        `<br>config ${esc(JSON.stringify(t.config))}` + (t.error ? `<br><span class="st-ERROR">${esc(t.error)}</span>` : '');
      const bad = $('trial-bad');
      bad.hidden = !t.badLines.length;
      bad.textContent = t.badLines.map(b => `result.jsonl line ${b.line} is not JSON (skipped): ${b.text}`).join('\n');
      st.trialData = t;
      drawTrial();
      $('trial').scrollIntoView();
    });
  }
  function drawTrial() {
    const t = st.trialData;
    if (!t) return;
    if (!window.echarts) { lib().then(drawTrial, () => {}); return; }
    const metrics = Object.keys(t.values).filter(m => m !== 'training_iteration');
    const series = metrics.map(m => ({type: 'line', name: m, showSymbol: t.iterations.length < 50,
      data: t.iterations.map((it, i) => [it, t.values[m][i]]),
      markLine: m === $('metric').value ? {symbol: 'none', label: {formatter: o => o.name}, data: t.markers.map(k => ({xAxis: k.iteration, name: k.kind}))} : undefined}));
    draw('trial', {grid: {left: 60, right: 20, top: 30, bottom: 40}, legend: {top: 0, type: 'scroll'}, tooltip: {trigger: 'axis'},
      xAxis: {type: 'value', name: 'training_iteration', nameLocation: 'middle', nameGap: 25}, yAxis: {type: 'value', scale: true},
      series});
  }

  // ---- live ----
  function live() {
    const es = new EventSource('/api/events' + (token ? '?token=' + encodeURIComponent(token) : ''));
    es.onopen = () => { $('live').textContent = 'live'; };
    es.onerror = () => { $('live').textContent = 'disconnected, retrying…'; };
    es.addEventListener('added', () => loadExperiments());
    es.addEventListener('cluster', ev => renderCluster(JSON.parse(ev.data)));
    es.addEventListener('reload', () => { loadExperiments(); if (st.exp) select(st.exp); });
    es.addEventListener('delta', ev => {
      const d = JSON.parse(ev.data);
      // how late results arrive: the trial's report time to now (same clock when the page runs beside the driver)
      const now = Date.now();
      d.results.forEach(r => { const lag = now - r[2]; st.lags.push(lag); });
      if (st.lags.length > 5000) st.lags = st.lags.slice(-5000);
      if (d.results.length) {
        const sorted = st.lags.slice().sort((a, b) => a - b);
        window.galeLag = {p50: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], n: st.lags.length};
        $('live').textContent = `live · results ${window.galeLag.p50} ms after their report (median)`;
      }
      window.galeLastDelta = now;
      if (d.summary) {
        const i = st.exps.findIndex(e => e.id === d.exp);
        if (i >= 0) st.exps[i] = d.summary;
        const li = document.querySelector(`#exp-list li[data-id="${CSS.escape(d.exp)}"] .muted`);
        if (li) li.textContent = `${d.summary.status.toLowerCase()}, ${d.summary.trialCount}`;
      }
      if (d.exp !== st.exp || !st.data) return;
      if (d.summary) {
        const trials = st.data.trials;
        Object.assign(st.data, d.summary);
        st.data.trials = trials;
        head(st.data);
        if (d.summary.metrics.length !== $('metric').options.length + 1) fillControls(st.data);
      }
      d.trials.forEach(r => {
        const old = st.byIndex.get(r.i);
        if (old) Object.assign(old, r); else { st.data.trials.push(r); st.byIndex.set(r.i, r); }
      });
      if (st.trialData) {
        const ti = st.byIndex.get(st.trialData.i);
        let grew = false;
        d.results.filter(r => r[0] === st.trialData.i).forEach(r => {
          st.trialData.iterations.push(r[1]);
          const vals = st.trialData.values;
          Object.keys(r[3]).forEach(k => { if (!vals[k]) vals[k] = new Array(st.trialData.iterations.length - 1).fill(null); });
          Object.keys(vals).forEach(k => vals[k].push(r[3][k] ?? null));
          grew = true;
        });
        if (ti) { st.trialData.status = ti.status; }
        if (d.overflow && Date.now() - (st.trialFetched || 0) > 1000) {
          // the feed left results out: the open trial's curve is re-read (the rows above are complete)
          st.trialFetched = Date.now();
          const id = st.trialData.id;
          api('/api/experiments/' + encodeURIComponent(st.exp) + '/trials/' + encodeURIComponent(id)).then(t => {
            if (st.trialData && st.trialData.id === id) { st.trialData = t; drawTrial(); }
          });
        } else if (grew) drawTrial();
      }

      scheduleTable();
      schedulePlots();
    });
  }

  $('metric').onchange = () => { renderTable(); loadPlots(); drawTrial(); };
  ['mode', 'metric2', 'mode2'].forEach(id => $(id).onchange = () => loadPlots());
  $('filter').oninput = e => { st.filter = e.target.value; st.page = 0; scheduleTable(); };
  $('prev').onclick = () => { st.page = Math.max(0, st.page - 1); renderTable(); };
  $('next').onclick = () => { st.page++; renderTable(); };
  $('trial-close').onclick = () => { $('trial').hidden = true; st.trial = null; st.trialData = null; };
  window.addEventListener('resize', () => Object.values(st.charts).forEach(c => c.resize()));
  window.galeReady = Promise.all([loadExperiments(), loadCluster()]).then(() => { mark('loaded'); window.galeLoaded = true; lib(); }).catch(e => {
    $('exp-head').innerHTML = `<span class="st-ERROR">${esc(e.message)}</span>`;
    window.galeError = e.message;
  });
  live();
})();
