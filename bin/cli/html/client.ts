/**
 * The page's own script: it reads the embedded report data (`#report-data`) and draws the charts with the inlined
 * uPlot, in the plan's time zone. Plain ES2017 in a string, for it runs in the reader's browser, not in Node. Every
 * series it plots is also left on `window.rolloutCharts` (and each chart's `data-points`), so that a test can check
 * that the picture carries the report's numbers.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var tz = data.timeZone;
  var COLORS = { gate: '#6a4c93', shift: '#1f6fb2', hold: '#d98200', approval: '#2e8b57', signal: '#8c564b',
    alarm: '#c0392b', rollback: '#c0392b', snapshot: '#138496', restore: '#7d3c98', end: '#333333' };
  function sec(iso) { return Date.parse(iso) / 1000; }
  function rate(v) { return v.requests > 0 ? (100 * v.errors) / v.requests : null; }
  function constant(xs, v) { return xs.map(function () { return v; }); }
  var markers = data.markers.map(function (m) { return { x: sec(m.at), color: COLORS[m.family] || '#333' }; });

  function markerPlugin() {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      markers.forEach(function (m) {
        var x = Math.round(u.valToPos(m.x, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = m.color;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
      });
      ctx.restore();
    }] } };
  }

  var charts = {};
  var plots = [];
  function draw(id, spec) {
    var el = document.getElementById(id);
    if (!el) return;
    charts[id] = { title: spec.title, labels: spec.series.map(function (s) { return s.label; }), data: spec.data };
    el.setAttribute('data-points', JSON.stringify(spec.data));
    var opts = {
      title: spec.title,
      width: Math.max(260, el.clientWidth),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), tz); },
      // Every chart spans the whole rollout, so that they line up and a single judged minute still has an axis.
      scales: { x: { time: true, range: [sec(data.startedAt), Math.max(sec(data.finishedAt), sec(data.startedAt) + 60)] } },
      axes: [{ label: 'time (' + tz + ')' }, { label: spec.unit, size: 60 }],
      series: [{ label: 'time' }].concat(spec.series),
      plugins: [markerPlugin()],
      legend: { live: false },
    };
    plots.push({ el: el, plot: new uPlot(opts, spec.data, el) });
  }

  function line(label, color, dash, extra) {
    var s = { label: label, stroke: color, width: 2, spanGaps: false };
    if (dash) s.dash = [6, 4];
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }

  var tx = data.traffic.map(function (p) { return sec(p.at); });
  draw('chart-traffic', {
    title: 'Traffic on ' + data.version + ' (%)', unit: '%',
    data: [tx, data.traffic.map(function (p) { return p.weight; })],
    series: [line(data.version + ' share', '#1f6fb2', false, { paths: uPlot.paths.stepped({ align: 1 }), fill: 'rgba(31,111,178,0.15)' })],
  });

  var minutes = (data.series && data.series.minutes) || [];
  if (minutes.length > 0) {
    var t = data.thresholds;
    var xs = minutes.map(function (m) { return sec(m.at); });
    var errorSeries = [line('new ' + data.version, '#c0392b'), line('stable ' + data.stableVersion, '#1f6fb2'),
      line('ceiling', '#888888', true), line('rollback above', '#c0392b', true)];
    var errorData = [xs, minutes.map(function (m) { return rate(m.canary); }), minutes.map(function (m) { return rate(m.stable); }),
      constant(xs, 100 * t.errorRateCeiling), constant(xs, 100 * t.errorRateRollbackAbove)];
    draw('chart-errors', { title: 'Error rate per minute (%)', unit: '%', data: errorData, series: errorSeries });
    var latencyData = [xs, minutes.map(function (m) { return m.canary.p95Ms; }), minutes.map(function (m) { return m.stable.p95Ms; }),
      constant(xs, t.latencyCeilingMs), constant(xs, t.latencyRollbackAboveMs)];
    var latencySeries = [line('new ' + data.version, '#c0392b'), line('stable ' + data.stableVersion, '#1f6fb2'),
      line('ceiling', '#888888', true), line('rollback above', '#c0392b', true)];
    if (t.latencyThresholdMs !== null) {
      latencyData.push(constant(xs, t.latencyThresholdMs));
      latencySeries.push(line('threshold T', '#d98200', true));
    }
    draw('chart-latency', { title: 'p95 latency per minute (ms)', unit: 'ms', data: latencyData, series: latencySeries });
    draw('chart-judge', {
      title: "The judge's statistic (log likelihood ratio) against its limit", unit: 'log LR',
      data: [xs, minutes.map(function (m) { return m.errors.statistic; }), minutes.map(function (m) { return m.latency.statistic; }),
        minutes.map(function (m) { return m.errors.limit; })],
      series: [line('errors', '#c0392b'), line('latency', '#d98200'), line('limit (roll back)', '#333333', true)],
    });
  }
  window.rolloutCharts = charts;

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: Math.max(260, p.el.clientWidth), height: 220 }); });
    });
  });
  window.addEventListener('beforeprint', function () {
    plots.forEach(function (p) { p.plot.setSize({ width: 680, height: 200 }); });
  });
})();
`;
