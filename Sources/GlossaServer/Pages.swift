// The two pages the binary serves, plain HTML and JavaScript with no build step: `/`, a search page (pick a
// collection, type a query in any language, see ranked hits, filter by a metadata field), and `/docs`,
// the OpenAPI document rendered readably. Text from the server is inserted as text, never as HTML.

enum Pages {
    static let search = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Glossa search</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 12px 24px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; } header a { color: #9cc3ff; font-size: 13px; }
  main { max-width: 920px; margin: 0 auto; padding: 16px 24px; }
  form { display: grid; grid-template-columns: 1fr auto; gap: 8px; background: #fff; padding: 12px; border-radius: 8px;
         box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .row { display: flex; gap: 8px; grid-column: 1 / -1; flex-wrap: wrap; align-items: center; }
  input, select, button { font: inherit; padding: 6px 8px; border: 1px solid #c8ccd4; border-radius: 6px; }
  #query { grid-column: 1; } button { background: #2f6fe4; color: #fff; border: 0; padding: 6px 18px; cursor: pointer; }
  label { font-size: 13px; color: #555; } .spacer { flex: 1; }
  #status { color: #666; font-size: 13px; margin: 10px 2px; min-height: 1em; }
  .hit { background: #fff; border-radius: 8px; padding: 10px 14px; margin: 10px 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .hit-head { display: flex; gap: 10px; align-items: baseline; }
  .hit-rank { color: #999; } .hit-title { font-weight: 600; } .hit-id { color: #667; font-family: ui-monospace, monospace; font-size: 12px; }
  .hit-score { margin-left: auto; font-family: ui-monospace, monospace; font-size: 13px; color: #2f6fe4; }
  .hit-text { margin: 6px 0; white-space: pre-wrap; }
  .hit-metadata { font-family: ui-monospace, monospace; font-size: 12px; color: #556; }
  .error { color: #b00020; }
</style>
</head>
<body>
<header><h1>Glossa</h1><span>multilingual search</span><a href="/docs">API</a></header>
<main>
<form id="form">
  <input id="query" type="search" placeholder="Ask in any language…" autocomplete="off" required>
  <button id="search" type="submit">Search</button>
  <div class="row">
    <label for="collection">Collection</label><select id="collection"></select>
    <label for="k">k</label><input id="k" type="number" min="1" max="100" value="10" style="width:5em">
    <label for="filter-key">Filter</label>
    <input id="filter-key" placeholder="metadata key" style="width:9em">=<input id="filter-value" placeholder="value" style="width:9em">
    <span class="spacer"></span>
    <label for="api-key">API key</label><input id="api-key" type="password" placeholder="if required" style="width:8em">
  </div>
</form>
<div id="status"></div>
<div id="hits"></div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const keyInput = $("api-key");
keyInput.value = localStorage.getItem("glossa-api-key") || "";
keyInput.addEventListener("change", () => { localStorage.setItem("glossa-api-key", keyInput.value); loadCollections(); });

function headers() {
  const h = { "Content-Type": "application/json" };
  if (keyInput.value) h["Authorization"] = "Bearer " + keyInput.value;
  return h;
}
function status(text, isError) { const s = $("status"); s.textContent = text; s.className = isError ? "error" : ""; }
async function call(method, path, body) {
  const response = await fetch(path, { method, headers: headers(), body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || ("HTTP " + response.status));
  return data;
}
function element(tag, className, text) {
  const e = document.createElement(tag); if (className) e.className = className;
  if (text !== undefined) e.textContent = text; return e;
}
async function loadCollections() {
  try {
    const data = await call("GET", "/collections");
    const select = $("collection"); select.replaceChildren();
    for (const c of data.collections) {
      const o = element("option", "", c.name + " (" + c.documents + " documents)"); o.value = c.name; select.append(o);
    }
    status(data.collections.length ? "" : "No collections are served yet.");
  } catch (e) { status(e.message, true); }
}
function render(hits) {
  const list = $("hits"); list.replaceChildren();
  hits.forEach((hit, i) => {
    const card = element("div", "hit"); card.dataset.id = hit.id;
    const head = element("div", "hit-head");
    head.append(element("span", "hit-rank", (i + 1) + "."), element("span", "hit-title", hit.title || hit.id),
                element("span", "hit-id", hit.id), element("span", "hit-score", hit.score.toFixed(4)));
    card.append(head, element("div", "hit-text", hit.text));
    const meta = Object.keys(hit.metadata || {}).length ? JSON.stringify(hit.metadata) : "";
    card.append(element("div", "hit-metadata", meta));
    list.append(card);
  });
}
$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { query: $("query").value, k: Number($("k").value) || 10 };
  const key = $("filter-key").value.trim();
  if (key) body.filters = { [key]: $("filter-value").value };
  const started = performance.now();
  status("Searching…");
  try {
    const data = await call("POST", "/collections/" + encodeURIComponent($("collection").value) + "/search", body);
    render(data.hits);
    status(data.hits.length + " hits in " + Math.round(performance.now() - started) + " ms");
  } catch (e) { $("hits").replaceChildren(); status(e.message, true); }
});
loadCollections();
</script>
</body>
</html>
"""#

    static let docs = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Glossa API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 16px 24px; color: #1d2330; }
  h1 { margin-bottom: 0; } .route { border: 1px solid #dde1e8; border-radius: 8px; margin: 12px 0; padding: 10px 14px; }
  .method { font: 600 13px ui-monospace, monospace; padding: 2px 8px; border-radius: 4px; color: #fff; margin-right: 8px; }
  .get { background: #2f8f5b; } .post { background: #2f6fe4; } .put { background: #b7791f; } .delete { background: #c53030; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; } pre { background: #f6f7f9; padding: 8px; overflow: auto; }
  .codes { color: #667; font-size: 13px; }
</style>
</head>
<body>
<h1>Glossa API</h1>
<p id="description"></p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). The search page: <a href="/">/</a>.</p>
<div id="routes"></div>
<h2>Schemas</h2>
<div id="schemas"></div>
<script>
"use strict";
function element(tag, className, text) {
  const e = document.createElement(tag); if (className) e.className = className;
  if (text !== undefined) e.textContent = text; return e;
}
fetch("/openapi.json").then((r) => r.json()).then((doc) => {
  document.getElementById("description").textContent = doc.info.description;
  const routes = document.getElementById("routes");
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const box = element("div", "route");
      const title = element("div");
      title.append(element("span", "method " + method, method.toUpperCase()), element("code", "", path));
      box.append(title, element("div", "", op.summary));
      const body = op.requestBody && op.requestBody.content["application/json"].schema.$ref;
      if (body) box.append(element("div", "codes", "body: " + body.split("/").pop()));
      box.append(element("div", "codes", "responses: " + Object.keys(op.responses).join(", ")));
      routes.append(box);
    }
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    schemas.append(element("h3", "", name), element("pre", "", JSON.stringify(schema, null, 2)));
  }
});
</script>
</body>
</html>
"""#
}
