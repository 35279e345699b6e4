// <gridcast-forecast>: an embeddable energy forecast.
//
//   <script type="module" src="https://portal.example/embed.js"></script>
//   <gridcast-forecast customer="42" endpoint="https://forecast.example" days="14" theme="light"></gridcast-forecast>
//
// Credentials come from the host: a callback (`element.credentials = async (customer) => creds`,
// or `GridcastForecast.credentials` for every widget) or a `credentials-url` the widget GETs with
// the host's cookies. Either answers in /auth/login's (or STS's) shape: {AccessKeyId,
// SecretAccessKey, SessionToken, Expiration, ...}. Forecasts come from the endpoint, signed with
// SigV4 in wasm; when it cannot be reached, from the customer's model stored on this device
// (IndexedDB), exactly like the portal. All widgets on a page share one wasm instance: pkg/, the
// widget's shell (signing, the endpoint client, the chart, the model's facts kept beside it). The
// on-device engine (model.json, the archive, the forecast) is a second one, pkg-engine/, loaded
// only when a new download is checked or the device forecasts; a visit whose stored model is
// current loads none.
//
// Optional attributes: region, endpoint-name, target-template ({customer}.tar.gz by default).

const here = new URL(".", import.meta.url);
let gridcast; // one wasm instance for the page
function loadGridcast() {
  gridcast ??= import(new URL("pkg/gridcast_js.js", here).href).then(async (m) => {
    await m.default({ module_or_path: new URL("pkg/gridcast_js_bg.wasm", here) });
    return m;
  });
  return gridcast;
}

// The shell asks for the engine through the page's gridcastEngine() (a page that has one, the
// portal's, keeps it: the same module); loaded once, tried again after a failure.
let engine;
globalThis.gridcastEngine ??= function () {
  engine ??= import(new URL("pkg-engine/gridcast_js.js", here).href)
    .then(async (m) => {
      await m.default({ module_or_path: new URL("pkg-engine/gridcast_js_bg.wasm", here) });
      return m;
    })
    .catch((e) => {
      engine = undefined;
      throw e;
    });
  return engine;
};

const NO_CREDENTIALS_WAIT_MS = 1000;

const STYLE = `
:host { all: initial; display: block; font-family: system-ui, sans-serif; container-type: inline-size; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--bg); color: var(--fg);
  --fg: #1b1f24; --muted: #57606a; --bg: #fff; --line: #d0d7de; --history: #2f3b48; --forecast: #d4580b;
  --band: rgba(212, 88, 11, 0.18); --error: #b00020; --accent: #0b6bcb; }
.card.dark { --fg: #e6edf3; --muted: #9da7b1; --bg: #161b22; --line: #30363d; --history: #c9d1d9;
  --forecast: #ff9b57; --band: rgba(255, 155, 87, 0.22); --error: #ff7b86; --accent: #58a6ff; }
h3 { margin: 0 0 6px; font-size: 15px; }
svg { width: 100%; height: auto; aspect-ratio: 8 / 3; display: block; }
svg .tick line { stroke: var(--line); } svg text { fill: var(--muted); font-size: 12px; }
svg .history { fill: none; stroke: var(--history); stroke-width: 1.6; vector-effect: non-scaling-stroke; }
svg .forecast-line { fill: none; stroke: var(--forecast); stroke-width: 2; stroke-dasharray: 6 4; vector-effect: non-scaling-stroke; }
svg .band { fill: var(--band); } svg .now { stroke: var(--muted); stroke-dasharray: 2 3; } svg .holiday { stroke: var(--accent); stroke-width: 6; stroke-opacity: 0.25; vector-effect: non-scaling-stroke; }
.source { font-size: 13px; margin: 6px 0 0; } .source.device { color: var(--forecast); }
.note, .hint { font-size: 12px; color: var(--muted); margin: 2px 0 0; }
.error { color: var(--error); font-size: 14px; } .error strong { display: block; }
table { width: 100%; border-collapse: collapse; font-size: 13px; margin-top: 6px; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 2px 4px; border-bottom: 1px solid var(--line); } th:first-child, td:first-child { text-align: left; }
`;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export class GridcastForecast extends HTMLElement {
  static observedAttributes = ["customer", "endpoint", "days", "theme", "region", "endpoint-name", "target-template", "credentials-url"];
  /** A callback for every widget on the page, unless one has its own. */
  static credentials = null;

  #credentials = null;
  #generation = 0;
  #credentialsSet = null;

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
  }

  /** The host's callback: `async (customer) => credentials`. */
  get credentials() {
    return this.#credentials;
  }
  set credentials(fn) {
    this.#credentials = typeof fn === "function" ? fn : null;
    this.#credentialsSet?.();
    if (this.isConnected) this.#render();
  }

  connectedCallback() {
    // A property set before this element was upgraded shadows the setter.
    if (Object.hasOwn(this, "credentials")) {
      const fn = this.credentials;
      delete this.credentials;
      this.credentials = fn;
    }
    this.#render();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.#render();
  }

  /** The attributes, checked by the wasm (the rules live in gridcast-api): `{options}` or `{errors}`. */
  #options(gc) {
    const attr = (name) => this.getAttribute(name) ?? undefined;
    const raw = { customer: attr("customer") ?? "", endpoint: attr("endpoint"), days: attr("days"), theme: attr("theme") };
    const errors = gc.checkWidget(raw);
    const theme = raw.theme === "dark" ? "dark" : "light";
    if (errors.length) return { errors, theme };
    return {
      options: { customer: raw.customer, endpoint: raw.endpoint ?? location.origin, days: Number(raw.days ?? "14"), region: attr("region"), endpointName: attr("endpoint-name"), targetTemplate: attr("target-template") },
      theme,
    };
  }

  async #credentialsFor(customer) {
    let source = this.#credentials ?? GridcastForecast.credentials;
    const url = this.getAttribute("credentials-url");
    if (!source && !url) {
      // The host may set the callback just after the element appears.
      await new Promise((ok) => {
        this.#credentialsSet = ok;
        setTimeout(ok, NO_CREDENTIALS_WAIT_MS);
      });
      source = this.#credentials ?? GridcastForecast.credentials;
    }
    if (source) return source(customer);
    if (url) {
      const r = await fetch(url, { credentials: "include", headers: { accept: "application/json" } });
      if (!r.ok) throw new Error(`${url} answered ${r.status}`);
      return r.json();
    }
    throw new Error("the page gave this widget no credentials (element.credentials or credentials-url)");
  }

  #show(theme, ...children) {
    const card = el("section", { class: `card ${theme}`, part: "card" });
    card.append(...children);
    this.shadowRoot.replaceChildren(el("style", {}, STYLE), card);
    return card;
  }

  async #render() {
    const generation = ++this.#generation;
    let gc;
    try {
      gc = await loadGridcast();
    } catch (e) {
      const box = el("div", { class: "error", role: "alert" });
      box.append(el("strong", {}, "The forecast code could not load"), el("span", {}, String(e?.message ?? e)));
      this.#show("light", box);
      return;
    }
    if (generation !== this.#generation) return;
    const { options, errors, theme } = this.#options(gc);
    if (errors) {
      const box = el("div", { class: "error", role: "alert" });
      box.append(el("strong", {}, "This forecast widget is set up wrongly"), ...errors.map((e) => el("div", {}, e)));
      this.#show(theme, box);
      return;
    }
    const title = el("h3", {}, `Customer ${options.customer}: next ${options.days} days`);
    this.#show(theme, title, el("p", { class: "hint", role: "status" }, "Loading forecast…"));
    let credentials = null;
    let credentialsProblem;
    try {
      credentials = await this.#credentialsFor(options.customer);
    } catch (e) {
      credentialsProblem = String(e?.message ?? e);
    }
    let answer;
    try {
      answer = await gc.widgetForecast({ ...options, credentials, credentialsProblem });
    } catch (problem) {
      if (generation !== this.#generation) return;
      const box = el("div", { class: "error", role: "alert" });
      box.append(el("strong", {}, problem?.title ?? String(problem)), el("span", {}, problem?.nextStep ?? ""));
      this.#show(theme, title, box);
      return;
    }
    if (generation !== this.#generation) return; // a newer render is on its way
    const figure = el("figure", { style: "margin:0" });
    figure.innerHTML = answer.svg; // our own SVG: every text in it is escaped
    const source = el("p", { class: `source ${answer.source}`, "data-source": answer.source, role: "status" },
      `${answer.sourceText}${answer.trainedThrough ? ` · model trained on readings up to ${answer.trainedThrough}` : ""}`);
    const parts = [title, figure, source];
    if (answer.note) parts.push(el("p", { class: "note" }, `${answer.note.title}. ${answer.note.nextStep}`));
    if (answer.uncovered) parts.push(el("p", { class: "note uncovered" }, `${answer.uncovered.message}.`));
    const table = el("table");
    const head = el("tr");
    for (const h of ["Date", "Forecast", "Low", "High"]) head.append(el("th", { scope: "col" }, h));
    table.append(el("caption", { class: "hint", style: "text-align:left" }, "Forecast (kWh)"), head);
    for (const r of answer.rows.slice(0, 7)) {
      const tr = el("tr");
      tr.append(el("td", {}, r.ds), el("td", {}, r.yhat.toFixed(1)), el("td", {}, r.yhat_lower.toFixed(1)), el("td", {}, r.yhat_upper.toFixed(1)));
      table.append(tr);
    }
    parts.push(table);
    this.#show(theme, ...parts);
    this.dispatchEvent(new CustomEvent("gridcast-forecast", { detail: { source: answer.source, rows: answer.rows } }));
  }
}

if (!customElements.get("gridcast-forecast")) customElements.define("gridcast-forecast", GridcastForecast);
