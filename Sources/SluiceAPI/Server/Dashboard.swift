/// The dashboard page served at `GET /`: one static HTML file with a little JavaScript that reads
/// `/api/pipelines` every second and draws each pipeline's graph with live rates and queue fill.
/// Nothing is fetched from elsewhere and nothing is built.
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
          #error { color: #c00; }
        </style>
        </head>
        <body>
        <h1>Sluice</h1>
        <div class="meta">live from <code>/api/pipelines</code>, refreshed every second &middot;
          <a href="/metrics">/metrics</a> &middot; <span id="error"></span></div>
        <div id="pipelines"></div>
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
        </script>
        </body>
        </html>
        """#
}
