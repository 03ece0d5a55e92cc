(function () {
  'use strict';
  var t0 = performance.now();
  var fail = window.__reportError || function (m) { throw new Error(m); };
  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    fail('report data: ' + e.message);
    return;
  }
  if (typeof Chart === 'undefined') {
    fail('chart library missing');
    return;
  }
  var palette = ['#1d4ed8', '#dc2626', '#15803d', '#9333ea', '#ea580c', '#0891b2', '#ca8a04'];
  var charts = [];
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#374151';

  function num(s) { return s === null || s === undefined || s === '' ? null : Number(s); }
  function nums(a) { return (a || []).map(num); }

  var moneyFmt;
  try {
    moneyFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: data.currency || 'USD', maximumFractionDigits: 0 });
  } catch (e) {
    moneyFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  }
  var plainFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  function fmt(unit, v) {
    if (v === null || v === undefined || isNaN(v)) { return 'n/a'; }
    switch (unit) {
      case 'percent': return plainFmt.format(v) + '%';
      case 'money': return moneyFmt.format(v);
      case 'days': return plainFmt.format(v) + ' d';
      default: return plainFmt.format(v);
    }
  }

  function draw(canvas, config) {
    try {
      charts.push(new Chart(canvas, config));
      canvas.setAttribute('data-drawn', 'true');
    } catch (e) {
      fail('chart ' + (canvas.getAttribute('data-chart') || canvas.getAttribute('data-spark')) + ': ' + e.message);
    }
  }

  function tooltip(unitOf) {
    return { callbacks: { label: function (c) { var v = c.chart.options.indexAxis === 'y' ? c.parsed.x : c.parsed.y; return c.dataset.label + ': ' + fmt(unitOf(c), v); } } };
  }

  // KPI sparklines.
  document.querySelectorAll('canvas[data-spark]').forEach(function (cv) {
    var k = data.kpis[Number(cv.getAttribute('data-spark'))];
    if (!k || !k.spark || k.spark.length < 2) { return; }
    var color = k.tone === 'bad' ? '#b91c1c' : (k.tone === 'good' ? '#15803d' : '#6b7280');
    draw(cv, {
      type: 'line',
      data: { labels: k.spark.map(function (p) { return p.period; }),
              datasets: [{ data: k.spark.map(function (p) { return num(p.value); }), borderColor: color, borderWidth: 1.5, pointRadius: 0, tension: 0.25 }] },
      options: { plugins: { legend: { display: false }, tooltip: { enabled: false } },
                 scales: { x: { display: false }, y: { display: false } }, events: [] }
    });
  });

  // Trend line charts.
  var trends = {};
  (data.trends || []).forEach(function (t) { trends[t.id] = t; });
  document.querySelectorAll('canvas[data-chart="trend"]').forEach(function (cv) {
    var t = trends[cv.getAttribute('data-trend')];
    if (!t || !t.series || !t.series.length) { return; }
    var hasY2 = t.series.some(function (s) { return s.axis === 'y2'; });
    var units = {};
    t.series.forEach(function (s) { units[s.axis] = units[s.axis] || s.unit; });
    var scales = { y: { ticks: { callback: function (v) { return fmt(units.y, v); } } } };
    if (hasY2) {
      scales.y2 = { position: 'right', grid: { drawOnChartArea: false }, ticks: { callback: function (v) { return fmt(units.y2, v); } } };
    }
    draw(cv, {
      type: 'line',
      data: { labels: t.labels, datasets: t.series.map(function (s, i) {
        return { label: s.label, data: nums(s.values), yAxisID: s.axis, borderColor: palette[i % palette.length],
                 backgroundColor: palette[i % palette.length], borderWidth: 2, pointRadius: 2, tension: 0.2,
                 borderDash: s.segment === 'convention:movement' ? [5, 4] : [], unit: s.unit };
      }) },
      options: { interaction: { mode: 'index', intersect: false }, scales: scales,
                 plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } },
                            tooltip: tooltip(function (c) { return c.dataset.unit; }) } }
    });
  });

  function one(sel) { return document.querySelector(sel); }

  // Customer capital: stacked bars.
  var cap = one('canvas[data-chart="capital"]');
  if (cap && data.capital && data.capital.length) {
    var parts = [['retention_value', 'Retention'], ['ramp_up_value', 'Ramp-up'], ['referral_value', 'Referral'], ['other_new_value', 'Other new']];
    draw(cap, {
      type: 'bar',
      data: { labels: data.capital.map(function (r) { return r.period; }),
              datasets: parts.map(function (p, i) {
                return { label: p[1], data: data.capital.map(function (r) { return num(r[p[0]]); }), backgroundColor: palette[i], stack: 'revenue' };
              }) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: function (v) { return fmt('money', v); } } } },
                 plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, tooltip: tooltip(function () { return 'money'; }) } }
    });
  }

  // CLV distribution: customers per bucket.
  var clv = one('canvas[data-chart="clv"]');
  if (clv && data.clv_distribution && data.clv_distribution.length) {
    draw(clv, {
      type: 'bar',
      data: { labels: data.clv_distribution.map(function (b) { return b.label; }),
              datasets: [{ label: 'Customers', data: data.clv_distribution.map(function (b) { return b.customers; }), backgroundColor: palette[0] }] },
      options: { plugins: { legend: { display: false }, tooltip: tooltip(function () { return 'count'; }) },
                 scales: { y: { title: { display: true, text: 'customers' } } } }
    });
  }

  // Value stream: velocity bars and flow time lines.
  var flow = one('canvas[data-chart="flow"]');
  if (flow && data.value_stream && data.value_stream.length) {
    var vs = data.value_stream;
    var col = function (k) { return vs.map(function (r) { return num(r[k]); }); };
    draw(flow, {
      type: 'bar',
      data: { labels: vs.map(function (r) { return r.period; }), datasets: [
        { type: 'line', label: 'Flow time median (d)', data: col('flow_time_median_days'), yAxisID: 'y', borderColor: palette[1], backgroundColor: palette[1], unit: 'days', order: 0 },
        { type: 'line', label: 'Flow time p85 (d)', data: col('flow_time_p85_days'), yAxisID: 'y', borderColor: palette[4], backgroundColor: palette[4], borderDash: [5, 4], unit: 'days', order: 0 },
        { type: 'bar', label: 'Orders completed', data: col('flow_velocity'), yAxisID: 'y2', backgroundColor: 'rgba(29,78,216,0.35)', unit: 'count', order: 1 }
      ] },
      options: { interaction: { mode: 'index', intersect: false },
                 scales: { y: { ticks: { callback: function (v) { return fmt('days', v); } } },
                           y2: { position: 'right', grid: { drawOnChartArea: false } } },
                 plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, tooltip: tooltip(function (c) { return c.dataset.unit; }) } }
    });
  }

  var st = one('canvas[data-chart="stages"]');
  if (st && data.stage_times && data.stage_times.length) {
    draw(st, {
      type: 'bar',
      data: { labels: data.stage_times.map(function (s) { return s.stage + ' (' + s.state + ')'; }),
              datasets: [{ label: 'Median days', data: data.stage_times.map(function (s) { return num(s.median_days); }),
                           backgroundColor: data.stage_times.map(function (s) { return s.state === 'active' ? palette[2] : '#9ca3af'; }) }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false }, tooltip: tooltip(function () { return 'days'; }) },
                 scales: { x: { ticks: { callback: function (v) { return fmt('days', v); } } } } }
    });
  }

  // Charts keep their screen size unless resized before printing.
  window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });

  document.body.setAttribute('data-charts', String(charts.length));
  // data-render-ms: this script (charts); data-page-ms: since navigation
  // started (parse, Chart.js, charts), the page's own render time.
  document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
  document.body.setAttribute('data-page-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-rendered', 'true');
})();
