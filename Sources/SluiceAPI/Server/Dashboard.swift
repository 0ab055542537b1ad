/// The dashboard page served at `GET /`: one static HTML file with a little JavaScript that reads
/// `/api/pipelines` every second and draws each pipeline's graph with live rates and queue fill, and
/// charts a stored table (picked from `/api/tables`: a time column, a value column and an optional group
/// column, read through `/api/query`) refreshed every two seconds. The query string preselects a chart:
/// `/?table=T&time=C&value=C&group=C`. Nothing is fetched from elsewhere and nothing is built.
enum Dashboard {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Sluice</title>
        <style>
          body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
          h1 { font-size: 1.3em; margin: 0 0 .3em; }
          h2 { font-size: 1.1em; margin: 1.5em 0 .3em; }
          .meta { color: #666; font-size: 12px; }
          .graph { position: relative; }
          .graph svg { position: absolute; left: 0; top: 0; pointer-events: none; }
          .stage { position: absolute; width: 190px; box-sizing: border-box; padding: 6px 8px; border-radius: 6px;
                   background: #fff; border: 1px solid #bbb; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
          .stage.failed { border-color: #c00; background: #fee; }
          .stage b { display: block; }
          .stage .type { color: #666; font-size: 12px; }
          .row { display: flex; justify-content: space-between; font-size: 12px; font-variant-numeric: tabular-nums; }
          .bar { height: 5px; background: #eee; border-radius: 3px; margin-top: 4px; }
          .bar div { height: 5px; border-radius: 3px; background: #4a8; }
          .bar div.full { background: #d84; }
          #error, #chart-error { color: #c00; }
          #chart-controls label { margin-right: 1em; font-size: 13px; }
          #chart svg { background: #fff; border: 1px solid #ddd; border-radius: 6px; }
          #chart text { font-size: 11px; fill: #555; }
          .legend span { margin-right: 1em; font-size: 12px; }
          .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
        </style>
        </head>
        <body>
        <h1>Sluice</h1>
        <div class="meta">live from <code>/api/pipelines</code>, refreshed every second &middot;
          <a href="/metrics">/metrics</a> &middot; <span id="error"></span></div>
        <div id="pipelines"></div>
        <h2>Stored tables</h2>
        <div id="chart-controls">
          <label>table <select id="table"></select></label>
          <label>time <select id="time"></select></label>
          <label>value <select id="value"></select></label>
          <label>group <select id="group"></select></label>
          <span id="chart-error"></span>
        </div>
        <div id="chart"></div>
        <div class="legend" id="legend"></div>
        <script>
        const W = 190, H = 96, GX = 60, GY = 18;
        const fmt = n =>
          n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : n >= 1e3 ? (n / 1e3).toFixed(1) + "k" : n.toFixed(0);
        const entities = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"};
        const esc = s => String(s).replace(/[&<>"]/g, c => entities[c]);
        function layout(stages) {
          const layer = {}, rows = [];
          for (const s of stages) {
            const inputs = s.inputs.map(i => i.split(".")[0]).filter(i => i in layer);
            layer[s.id] = inputs.length ? Math.max(...inputs.map(i => layer[i])) + 1 : 0;
            rows[layer[s.id]] = (rows[layer[s.id]] || 0) + 1;
            s.x = layer[s.id] * (W + GX);
            s.y = (rows[layer[s.id]] - 1) * (H + GY);
          }
          return stages;
        }
        const bar = (s, fill) => `<div class="bar" title="queue ${s.queue_events}/${s.queue_capacity}">
          <div class="${fill > .9 ? "full" : ""}" style="width:${(100 * fill).toFixed(0)}%"></div></div>`;
        function draw(p) {
          const stages = layout(p.stages), at = Object.fromEntries(stages.map(s => [s.id, s]));
          const width = Math.max(...stages.map(s => s.x)) + W, height = Math.max(...stages.map(s => s.y)) + H;
          const edges = stages.flatMap(s => s.inputs.map(i => at[i.split(".")[0]]).filter(Boolean).map(f =>
            `<line x1="${f.x + W}" y1="${f.y + H / 2}" x2="${s.x}" y2="${s.y + H / 2}" stroke="#999"/>`));
          const boxes = stages.map(s => {
            const fill = s.queue_fill == null ? null : Math.min(1, s.queue_fill);
            const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
            return `<div class="stage${s.failed ? " failed" : ""}" style="left:${s.x}px;top:${s.y}px">
              <b>${esc(s.id)}</b><span class="type">${esc(s.kind)} ${esc(s.type)}</span>
              <div class="row"><span>in ${fmt(s.events_in_per_second)}/s</span>
                <span>out ${fmt(s.events_out_per_second)}/s</span></div>
              <div class="row"><span>busy ${(100 * s.busy_ratio).toFixed(0)}%</span>
                <span>err ${s.errors} drop ${fmt(dropped)}</span></div>
              ${fill == null ? "" : bar(s, fill)}
            </div>`;
          });
          const meta = `${esc(p.state)} &middot; ${esc(p.file)} &middot; configuration ${esc(p.configuration)}`;
          return `<h2>${esc(p.name)} <span class="meta">${meta}</span></h2>
            <div class="graph" style="width:${width}px;height:${height}px">
            <svg width="${width}" height="${height}">${edges.join("")}</svg>${boxes.join("")}</div>`;
        }
        async function refresh() {
          try {
            const pipelines = await (await fetch("/api/pipelines")).json();
            document.getElementById("pipelines").innerHTML = pipelines.map(draw).join("");
            document.getElementById("error").textContent = "";
          } catch (e) {
            document.getElementById("error").textContent = "runner not reachable: " + e;
          }
        }
        refresh();
        setInterval(refresh, 1000);
        const params = new URLSearchParams(location.search);
        const palette = ["#3a7", "#37c", "#d74", "#a4c", "#c93", "#4aa", "#e56", "#777"];
        let tables = [];
        const selects = ["table", "time", "value", "group"].map(id => document.getElementById(id));
        const [tableSelect, timeSelect, valueSelect, groupSelect] = selects;
        const quote = name => '"' + name.replace(/"/g, '""') + '"';
        function options(select, names, wanted, allowNone) {
          const current = select.value || wanted || "";
          select.innerHTML = (allowNone ? ['<option value="">(none)</option>'] : [])
            .concat(names.map(n => `<option value="${esc(n)}">${esc(n)}</option>`)).join("");
          if (names.includes(current)) select.value = current;
        }
        function pickColumns() {
          const table = tables.find(t => JSON.stringify([t.path, t.table]) === tableSelect.value);
          const names = table ? table.columns.map(c => c.name) : [];
          const guessTime = names.find(n => /time|start|^ts$|date/i.test(n));
          const numeric = table ? table.columns.filter(c => /INT|REAL|NUM/i.test(c.type)).map(c => c.name) : [];
          options(timeSelect, names, params.get("time") || guessTime, false);
          options(valueSelect, names, params.get("value") || numeric.find(n => n !== timeSelect.value), false);
          options(groupSelect, names, params.get("group"), true);
        }
        async function loadTables() {
          tables = (await (await fetch("/api/tables")).json()).filter(t => t.exists);
          const keys = tables.map(t => JSON.stringify([t.path, t.table]));
          const wanted = tables.find(t => t.table === params.get("table"));
          const current = tableSelect.value || (wanted ? JSON.stringify([wanted.path, wanted.table]) : "");
          const describe = t => `${esc(t.table)} (${esc(t.pipeline)}.${esc(t.stage)}, ${t.rows} rows)`;
          tableSelect.innerHTML = tables.map((t, i) => `<option value="${esc(keys[i])}">${describe(t)}</option>`)
            .join("");
          if (keys.includes(current)) tableSelect.value = current;
          pickColumns();
        }
        const toNumber = v => typeof v === "number" ? v : Date.parse(v);
        function plot(result) {
          const series = new Map();
          for (const row of result.rows) {
            const x = toNumber(row[0]), y = Number(row[1]);
            if (!isFinite(x) || !isFinite(y)) continue;
            const key = row.length > 2 ? String(row[2]) : "all";
            if (!series.has(key)) series.set(key, []);
            series.get(key).push([x, y]);
          }
          const points = [...series.values()].flat();
          const chart = document.getElementById("chart"), legend = document.getElementById("legend");
          if (!points.length) { chart.innerHTML = "<p>no rows to chart yet</p>"; legend.innerHTML = ""; return; }
          const w = 900, h = 300, pad = 40;
          const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
          const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(0, ...ys), y1 = Math.max(...ys);
          const sx = x => pad + (x1 === x0 ? (w - 2 * pad) / 2 : (x - x0) / (x1 - x0) * (w - 2 * pad));
          const sy = y => h - pad - (y1 === y0 ? 0 : (y - y0) / (y1 - y0) * (h - 2 * pad));
          const names = [...series.keys()].sort();
          const lines = names.map((name, i) => {
            const pts = series.get(name).sort((a, b) => a[0] - b[0]);
            return `<polyline class="series" fill="none" stroke="${palette[i % palette.length]}" stroke-width="1.5"
              points="${pts.map(p => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" ")}"/>`;
          });
          const label = x => typeof result.rows[0][0] === "number" ? fmt(x) : new Date(x).toISOString();
          chart.innerHTML = `<svg width="${w}" height="${h}">
            <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#999"/>
            <line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#999"/>
            <text x="${pad}" y="${h - pad + 15}">${esc(label(x0))}</text>
            <text x="${w - pad}" y="${h - pad + 15}" text-anchor="end">${esc(label(x1))}</text>
            <text x="${pad - 4}" y="${pad}" text-anchor="end">${fmt(y1)}</text>
            <text x="${pad - 4}" y="${h - pad}" text-anchor="end">${fmt(y0)}</text>
            ${lines.join("")}</svg>`;
          legend.innerHTML = names.map((name, i) =>
            `<span><i style="background:${palette[i % palette.length]}"></i>${esc(name)}</span>`).join("");
        }
        async function refreshChart() {
          const error = document.getElementById("chart-error");
          try {
            await loadTables();
            const table = tables.find(t => JSON.stringify([t.path, t.table]) === tableSelect.value);
            if (!table || !timeSelect.value || !valueSelect.value) { error.textContent = ""; return; }
            const columns = [timeSelect.value, valueSelect.value].concat(groupSelect.value ? [groupSelect.value] : []);
            const sql = `SELECT ${columns.map(quote).join(", ")} FROM ${quote(table.table)} ` +
              `ORDER BY ${quote(timeSelect.value)} DESC LIMIT 5000`;
            // Percent-encoded: the API reads a `+` as a plus sign, not as a space.
            const query = `sql=${encodeURIComponent(sql)}&db=${encodeURIComponent(table.path)}`;
            const response = await fetch("/api/query?" + query);
            const body = await response.json();
            if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
            plot(body);
            error.textContent = "";
          } catch (e) {
            error.textContent = "cannot chart: " + e.message;
          }
        }
        tableSelect.onchange = () => { pickColumns(); refreshChart(); };
        for (const select of [timeSelect, valueSelect, groupSelect]) select.onchange = refreshChart;
        refreshChart();
        setInterval(refreshChart, 2000);
        </script>
        </body>
        </html>
        """#
}
