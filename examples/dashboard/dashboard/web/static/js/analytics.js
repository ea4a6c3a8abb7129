// Analyses page: the alerts of a range (acknowledge without reloading), the forecast with its
// prediction band next to the last 24 hours measured, the daily standby and its 30-day change,
// and the costs of the last 12 local months.
//
// The range (from/to, local dates of the meter) defaults to the 30 days ending with the
// meter's last reading, so a meter whose data stopped some time ago still shows its alerts;
// the address keeps a chosen range (/analytics?from=2026-10-01&to=2026-10-30).
import {
  ApiError, addDays, calendarDate, csrfToken, formatCalendar, formatMoney, formatNumber,
  formatTime, getJson, isoDate, isoInstant, loadStrings, localDateOf, localParts, onThemeChange,
  page, palette, parseIsoDate, show, styleCharts, t, todayLocal,
} from "./core.js";

const $ = (id) => document.getElementById(id);

const RANGE_DAYS = 30;
const OPEN_SHOWN = 10;       // open alerts listed before "show all"
const HOUR_MS = 3600 * 1000;
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

const state = {
  from: null,            // calendar dates of the range (inclusive)
  to: null,
  last: null,            // ISO time of the meter's last reading, or null
  horizon: "day",
  alerts: [],            // the anomalies of /api/anomalies
  showAll: false,        // list every open alert, not only the first OPEN_SHOWN
  anomaliesId: 0,
  forecastId: 0,
  forecast: null,        // {body, actual} once loaded
  standby: null,         // /api/anomalies body
};

let forecastChart = null;
let standbyChart = null;

// ---------------------------------------------------------------- helpers

/** Translation of `key`, or `fallback` when the catalogue lacks it. */
function tOr(key, fallback, params) {
  const text = t(key, params);
  return text === key ? fallback : text;
}

const kindLabel = (kind) => tOr(`analytics.kind.${kind}`, kind);
const severityLabel = (severity) => tOr(`analytics.severity.${severity}`, severity);
const modelLabel = (model) => tOr(`analytics.model.${model}`, model);

/** The extra colours of this page, from the CSS custom properties. */
function colours() {
  const style = getComputedStyle(document.documentElement);
  const v = (name) => style.getPropertyValue(name).trim();
  return { ...palette(), forecast: v("--c-forecast"), band: v("--c-band"), standby: v("--c-standby") };
}

function setBusy(sectionId, busy) {
  const section = $(sectionId);
  if (section) section.setAttribute("aria-busy", busy ? "true" : "false");
}

function showError(id, err) {
  const box = $(id);
  if (!box) return;
  box.textContent = err instanceof ApiError || (err && err.message) ? err.message : String(err);
  box.hidden = false;
}

const dateTimeOptions = { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" };
const timeOptions = { hour: "2-digit", minute: "2-digit" };

/** "sam. 10 oct. 2026, 11:45 – 15:00" (one local day) or both full instants. */
function timeRange(start, end) {
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (isoDate(localDateOf(a)) === isoDate(localDateOf(b - 1)) && b - a < 24 * HOUR_MS) {
    const day = formatTime(a, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
    return `${day}, ${formatTime(a, timeOptions)} – ${formatTime(b, timeOptions)}`;
  }
  return `${formatTime(a, dateTimeOptions)} – ${formatTime(b, dateTimeOptions)}`;
}

/** A signed number: "+12", "−3,5", "±0". */
function signed(value, digits) {
  const rounded = Number(value.toFixed(digits));
  if (rounded === 0) return `±${formatNumber(0, digits)}`;
  return `${rounded > 0 ? "+" : "−"}${formatNumber(Math.abs(rounded), digits)}`;
}

// ---------------------------------------------------------------- alert sentences

/** "850 W", "2,3 kW" (like the detectors' English sentences). */
function powerText(watts) {
  return Math.abs(watts) >= 1000 ? `${formatNumber(watts / 1000, 1)} kW` : `${formatNumber(watts, 0)} W`;
}

/** A number of `details`, worded by its name (the unit is its suffix). */
function detailText(name, value) {
  if (typeof value === "string") {
    if (name === "since" || name === "day") {
      const c = parseIsoDate(value);
      return c ? formatCalendar(c, { weekday: "short", day: "numeric", month: "long", year: "numeric" }) : value;
    }
    if (name === "next" || name === "after") {
      return formatTime(value, { ...dateTimeOptions, second: "2-digit" });
    }
    return value;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const whole = Number.isInteger(value);
  if (name.endsWith("_w")) return powerText(value);
  if (name.endsWith("_wh")) return Math.abs(value) >= 1000 ? `${formatNumber(value / 1000, 2)} kWh` : `${formatNumber(value, 0)} Wh`;
  if (name.endsWith("_kwh")) return `${signed(value, 2)} kWh`;
  if (name.endsWith("_v")) return `${formatNumber(value, whole ? 0 : 1)} V`;
  if (name === "percent_pct") return `${signed(value, 1)} %`;
  if (name.endsWith("_pct")) return `${formatNumber(value, whole ? 0 : 1)} %`;
  if (name.endsWith("_s") || name === "missing") return formatNumber(value, 0);
  if (name === "score") return formatNumber(value, 2);
  return formatNumber(value, 1);  // z, hours
}

/** One feature of an unusual day: "énergie du jour 14,2 kWh (habituel 8,1 kWh)". */
function featureText(f) {
  const digits = f.unit === "kWh" || f.unit === "h" ? 1 : 0;
  const amount = (v) => (typeof v === "number" && Number.isFinite(v) ? `${formatNumber(v, digits)} ${f.unit}` : "—");
  return t("analytics.alert_feature", {
    name: tOr(`analytics.feature.${f.feature}`, String(f.feature)), value: amount(f.value), usual: amount(f.usual),
  });
}

/**
 * The alert's sentence in the page language, from its `details` and the catalogue; null when
 * it cannot be worded (no details, an unknown sentence or a missing number): the detector's
 * English sentence is shown instead.
 */
export function alertSentence(alert) {
  const d = alert.details;
  if (!d || typeof d.template !== "string") return null;
  const key = `analytics.alert_text.${d.template}`;
  const params = {};
  for (const [name, value] of Object.entries(d)) {
    if (name === "template") continue;
    if (name === "features") {
      if (!Array.isArray(value)) return null;
      params.features = value.map(featureText).join(", ");
      continue;
    }
    const text = detailText(name, value);
    if (text === null) return null;
    params[name] = text;
  }
  const text = t(key, params);
  return text === key || /\{\w+\}/.test(text) ? null : text;
}

// ---------------------------------------------------------------- range

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const from = parseIsoDate(params.get("from"));
  const to = parseIsoDate(params.get("to"));
  if (from && to && isoDate(from) <= isoDate(to)) {
    state.from = from;
    state.to = to;
    return true;
  }
  return false;
}

function saveUrl() {
  const url = new URL(window.location.href);
  url.searchParams.set("from", isoDate(state.from));
  url.searchParams.set("to", isoDate(state.to));
  window.history.replaceState(null, "", url.pathname + url.search);
}

/** The default range: the 30 local days ending with the day of the last reading (or today). */
function defaultRange() {
  const end = state.last ? localDateOf(state.last) : todayLocal();
  return { from: addDays(end, 1 - RANGE_DAYS), to: end };
}

async function loadLastReading() {
  try {
    const body = await getJson("/api/meters", {});
    const meters = body.meters || [];
    const meter = meters.find((m) => String(m.id) === String(page.meter)) || meters[0];
    state.last = meter && meter.last ? meter.last : null;
  } catch (err) {
    state.last = null;
  }
  const hint = $("range-hint");
  hint.textContent = state.last
    ? t("analytics.range_hint", { last: formatTime(state.last, { dateStyle: "medium", timeStyle: "short" }) })
    : t("analytics.no_data");
}

function renderRange() {
  $("range-from").value = isoDate(state.from);
  $("range-to").value = isoDate(state.to);
  const fmt = { day: "numeric", month: "long", year: "numeric" };
  $("range-label").textContent = t("analytics.range_label", {
    from: formatCalendar(state.from, fmt), to: formatCalendar(state.to, fmt),
  });
}

// ---------------------------------------------------------------- alerts and standby

async function loadAnomalies() {
  const id = ++state.anomaliesId;
  setBusy("alerts-section", true);
  setBusy("standby-section", true);
  $("alerts-loading").hidden = false;
  $("standby-loading").hidden = false;
  $("alerts-error").hidden = true;
  document.body.dataset.alerts = "loading";
  try {
    const body = await getJson("/api/anomalies", {
      from: isoDate(state.from), to: isoDate(state.to), acknowledged: "include",
    });
    if (id !== state.anomaliesId) return;
    state.alerts = body.anomalies || [];
    state.showAll = false;
    state.standby = body;
    renderAlerts();
    renderStandby(body);
    document.body.dataset.alerts = "done";
  } catch (err) {
    if (id !== state.anomaliesId) return;
    state.alerts = [];
    renderAlerts();
    showError("alerts-error", err);
    $("standby-change").hidden = true;
    document.body.dataset.alerts = "error";
  } finally {
    if (id === state.anomaliesId) {
      $("alerts-loading").hidden = true;
      $("standby-loading").hidden = true;
      setBusy("alerts-section", false);
      setBusy("standby-section", false);
    }
  }
}

function sortOpen(a, b) {
  const rank = (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3);
  if (rank !== 0) return rank;
  return Date.parse(b.start) - Date.parse(a.start);
}

function renderAlerts() {
  const open = state.alerts.filter((a) => !a.acknowledged).sort(sortOpen);
  const done = state.alerts.filter((a) => a.acknowledged).sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  const shown = state.showAll ? open : open.slice(0, OPEN_SHOWN);
  $("alerts-open").replaceChildren(...shown.map(alertItem));
  const more = $("alerts-more");
  more.hidden = shown.length === open.length;
  more.textContent = t("analytics.alerts_show_all", { n: open.length });
  $("alerts-acknowledged").replaceChildren(...done.map(alertItem));
  $("alerts-empty").hidden = open.length > 0;
  const badge = $("alerts-open-count");
  badge.textContent = t("analytics.alerts_open_count", { n: open.length });
  badge.dataset.value = String(open.length);
  badge.hidden = false;
  $("show-acknowledged-label").textContent = t("analytics.alerts_show_acknowledged", { n: done.length });
  $("show-acknowledged").disabled = done.length === 0;
  $("alerts-acknowledged-box").hidden = !$("show-acknowledged").checked || done.length === 0;
}

function alertItem(alert) {
  const item = document.createElement("li");
  item.className = "alert-item";
  item.dataset.kind = alert.kind;
  item.dataset.severity = alert.severity;
  item.dataset.key = alert.key;
  item.dataset.state = alert.acknowledged ? "acknowledged" : "open";
  if (alert.id !== null && alert.id !== undefined) item.dataset.id = String(alert.id);
  item.dataset.start = alert.start;
  item.dataset.end = alert.end;

  const main = document.createElement("div");
  main.className = "alert-main";
  const title = document.createElement("p");
  title.className = "alert-title";
  const severity = document.createElement("span");
  severity.className = "severity";
  severity.dataset.severity = alert.severity;
  severity.textContent = severityLabel(alert.severity);
  const kind = document.createElement("strong");
  kind.className = "alert-kind";
  kind.textContent = kindLabel(alert.kind);
  const when = document.createElement("time");
  when.className = "alert-when";
  when.dateTime = alert.start;
  when.textContent = timeRange(alert.start, alert.end);
  title.append(severity, " ", kind, " ", when);
  const message = document.createElement("p");
  message.className = "alert-message";
  const sentence = alertSentence(alert);
  if (sentence === null) message.lang = "en";  // the detector's own English sentence
  message.textContent = sentence === null ? alert.message : sentence;
  main.append(title, message);

  const actions = document.createElement("div");
  actions.className = "alert-actions";
  if (alert.acknowledged) {
    const done = document.createElement("span");
    done.className = "muted acknowledged-when";
    done.dataset.value = alert.acknowledged;
    done.textContent = t("analytics.acknowledged_at", {
      when: formatTime(alert.acknowledged, { dateStyle: "medium", timeStyle: "short" }),
    });
    actions.append(done);
  } else if (item.dataset.id) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button acknowledge";
    button.textContent = t("analytics.acknowledge");
    button.setAttribute("aria-label", t("analytics.acknowledge_label", {
      kind: kindLabel(alert.kind), when: when.textContent,
    }));
    button.addEventListener("click", () => acknowledge(alert, button));
    actions.append(button);
  }
  item.append(main, actions);
  return item;
}

async function acknowledge(alert, button) {
  button.disabled = true;
  button.textContent = t("analytics.acknowledging");
  $("alerts-error").hidden = true;
  try {
    const response = await fetch(`${page.root}/api/anomalies/${encodeURIComponent(alert.id)}/acknowledge`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
    });
    if (response.status === 401) {
      const next = window.location.pathname + window.location.search;
      window.location.assign(`${page.root}/login?next=${encodeURIComponent(next)}`);
      return;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      throw new ApiError(response.status, t("error.bad_answer"));
    }
    if (!response.ok) throw new ApiError(response.status, (body && body.message) || t("error.http", { status: response.status }));
    for (const a of state.alerts) {
      if (a.id === body.id) a.acknowledged = body.acknowledged;
    }
    const list = $("alerts-open");
    const buttons = [...list.querySelectorAll("button.acknowledge")];
    const index = buttons.indexOf(button);
    renderAlerts();
    // Keep the keyboard where it was: the next open alert's button, else the heading.
    const remaining = [...$("alerts-open").querySelectorAll("button.acknowledge")];
    const target = remaining[Math.min(index, remaining.length - 1)];
    if (target) {
      target.focus();
    } else {
      const heading = $("alerts-heading");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  } catch (err) {
    button.disabled = false;
    button.textContent = t("analytics.acknowledge");
    showError("alerts-error", err);
  }
}

function renderStandby(body) {
  const change = $("standby-change");
  const value = body.base_load_change_w;
  if (value === null || value === undefined) {
    change.textContent = t("analytics.standby_change_unknown");
    change.dataset.value = "";
    delete change.dataset.trend;
  } else {
    change.textContent = t("analytics.standby_change", { change: signed(value, 0) });
    change.dataset.value = String(value);
    change.dataset.trend = Math.round(value) > 0 ? "up" : Math.round(value) < 0 ? "down" : "flat";
  }
  change.hidden = false;
  const days = (body.base_load || []).filter((b) => b.watts !== null && b.watts !== undefined);
  $("standby-empty").hidden = days.length > 0;
  $("standby-box").hidden = days.length === 0;
  if (days.length === 0) return;
  if (!standbyChart) standbyChart = makeStandbyChart();
  const c = colours();
  const dates = (body.base_load || []).map((b) => parseIsoDate(b.date));
  standbyChart.$dates = dates;
  standbyChart.data.labels = dates.map((d) => (d ? formatCalendar(d, { day: "numeric", month: "short" }) : ""));
  standbyChart.data.datasets = [{
    label: t("analytics.standby_watts"),
    data: (body.base_load || []).map((b) => b.watts),
    backgroundColor: c.standby,
    borderRadius: 2,
    categoryPercentage: 0.9,
    barPercentage: 0.9,
  }];
  standbyChart.update();
}

function makeStandbyChart() {
  const chart = new window.Chart($("standby-chart"), {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 200 },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
        y: { beginAtZero: true, suggestedMax: 10, title: { display: true, text: "W" }, ticks: { precision: 0, callback: (v) => formatNumber(v, 0) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => {
              const d = items.length && chart.$dates ? chart.$dates[items[0].dataIndex] : null;
              return d ? formatCalendar(d, { weekday: "short", day: "numeric", month: "long", year: "numeric" }) : "";
            },
            label: (item) => `${t("analytics.standby_watts")}: ${item.parsed.y === null ? "—" : formatNumber(item.parsed.y, 0)} W`,
          },
        },
      },
    },
  });
  return chart;
}

// ---------------------------------------------------------------- forecast

async function loadForecast() {
  const id = ++state.forecastId;
  setBusy("forecast-section", true);
  $("forecast-loading").hidden = false;
  $("forecast-message").hidden = true;
  $("forecast-error").hidden = true;
  document.body.dataset.forecast = "loading";
  for (const button of document.querySelectorAll("[data-horizon]")) {
    button.setAttribute("aria-pressed", button.dataset.horizon === state.horizon ? "true" : "false");
  }
  try {
    let body;
    try {
      body = await getJson("/api/forecast", { horizon: state.horizon, resolution: "15m" });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        if (id !== state.forecastId) return;
        // The translated sentence, then the server's detail (English, like the alerts).
        const box = $("forecast-message");
        const detail = document.createElement("span");
        detail.className = "detail";
        detail.lang = "en";
        detail.textContent = err.message.replace(/^no forecast yet:\s*/i, "");
        box.replaceChildren(`${t("analytics.forecast_insufficient")} `, detail);
        box.hidden = false;
        $("forecast-body").hidden = true;
        document.body.dataset.forecast = "insufficient";
        return;
      }
      throw err;
    }
    const points = body.points || [];
    let actual = null;
    if (points.length) {
      const origin = Date.parse(points[0].start);
      actual = await getJson("/api/readings", {
        resolution: "15m",
        quantity: "active_energy_import",
        from: isoInstant(origin - 24 * HOUR_MS),
        to: isoInstant(origin),
      });
    }
    if (id !== state.forecastId) return;
    state.forecast = { body, actual };
    $("forecast-body").hidden = false;
    renderForecast();
    document.body.dataset.forecast = "done";
  } catch (err) {
    if (id !== state.forecastId) return;
    showError("forecast-error", err);
    $("forecast-body").hidden = true;
    document.body.dataset.forecast = "error";
  } finally {
    if (id === state.forecastId) {
      $("forecast-loading").hidden = true;
      setBusy("forecast-section", false);
    }
  }
}

function renderTomorrow(body) {
  const tomorrow = body.tomorrow || {};
  const date = parseIsoDate(tomorrow.date);
  const dateText = date ? formatCalendar(date, { weekday: "short", day: "numeric", month: "short" }) : "—";
  const box = $("tomorrow");
  const energy = tomorrow.energy_kwh;
  if (energy === null || energy === undefined) {
    box.textContent = t("analytics.tomorrow_no_data", { date: dateText });
    box.dataset.state = "no_data";
    show($("tomorrow-energy"), "—", null);
  } else if (tomorrow.expected_cost === null || tomorrow.expected_cost === undefined) {
    box.textContent = t("analytics.tomorrow_no_tariff", { date: dateText, energy: formatNumber(energy, 1) });
    box.dataset.state = "no_tariff";
    show($("tomorrow-energy"), formatNumber(energy, 1), energy);
  } else {
    box.textContent = t("analytics.tomorrow_expected", {
      date: dateText,
      energy: formatNumber(energy, 1),
      cost: formatMoney(tomorrow.expected_cost),
      currency: tomorrow.currency || page.currency,
    });
    box.dataset.state = "priced";
    box.dataset.cost = String(tomorrow.expected_cost);
    show($("tomorrow-energy"), formatNumber(energy, 1), energy);
  }
}

function renderSelection(selection) {
  const box = $("selection-box");
  const scores = selection && Array.isArray(selection.scores) ? selection.scores : [];
  box.hidden = scores.length === 0;
  if (scores.length === 0) return;
  $("selection-chosen").textContent = selection.chosen
    ? t("analytics.selection_chosen", { when: formatTime(selection.chosen, { dateStyle: "medium", timeStyle: "short" }) })
    : "";
  const rows = scores.map((s) => {
    const row = document.createElement("tr");
    row.dataset.model = s.model;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = modelLabel(s.model);
    if (s.model === selection.best) {
      row.dataset.best = "true";
      const mark = document.createElement("span");
      mark.className = "badge badge-best";
      mark.textContent = t("analytics.selection_best");
      name.append(" ", mark);
    }
    const cell = (text, raw) => {
      const td = document.createElement("td");
      td.textContent = text;
      td.dataset.value = raw === null || raw === undefined ? "" : String(raw);
      return td;
    };
    const nrmse = typeof s.nrmse === "number" ? s.nrmse * 100 : null;
    row.append(
      name,
      cell(typeof s.mase === "number" ? formatNumber(s.mase, 2) : "—", s.mase),
      cell(nrmse === null ? "—" : formatNumber(nrmse, 1), nrmse),
      cell(String(s.origins ?? "—"), s.origins),
    );
    return row;
  });
  $("selection-table").tBodies[0].replaceChildren(...rows);
}

/** Wh per interval → mean power in W over an interval of `seconds`. */
const toWatts = (wh, seconds) => (wh === null || wh === undefined ? null : (wh * 3600) / seconds);

function renderForecast() {
  const { body, actual } = state.forecast;
  renderTomorrow(body);
  renderSelection(body.selection);
  show($("forecast-model"), modelLabel(body.model), body.model);
  const level = Math.round((body.level || 0.8) * 100);
  $("band-legend").textContent = t("analytics.forecast_band", { level });
  const points = body.points || [];
  const step = body.resolution === "1h" ? 3600 : 900;
  const origin = points.length ? Date.parse(points[0].start) : null;
  $("forecast-caption").textContent = origin === null ? "—" : `${t(step === 3600 ? "analytics.forecast_unit_hour" : "analytics.forecast_unit")} · ${t("analytics.forecast_from", {
    when: formatTime(origin, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }),
  })}`;
  const c = colours();
  const xy = (iso, wh, seconds) => ({ x: Date.parse(iso), y: toWatts(wh, seconds) });
  const measured = [];
  if (actual && actual.time) {
    const values = (actual.series || {}).active_energy_import || [];
    actual.time.forEach((iso, i) => measured.push(xy(iso, values[i], 900)));
  }
  if (!forecastChart) forecastChart = makeForecastChart();
  forecastChart.$origin = origin;
  forecastChart.$span = points.length ? Date.parse(points[points.length - 1].start) - (origin - 24 * HOUR_MS) : 0;
  forecastChart.data.datasets = [
    {
      label: "upper",
      data: points.map((p) => xy(p.start, p.upper, step)),
      borderWidth: 0,
      pointRadius: 0,
      fill: false,
    },
    {
      label: t("analytics.forecast_band", { level }),
      data: points.map((p) => xy(p.start, p.lower, step)),
      borderWidth: 0,
      pointRadius: 0,
      backgroundColor: c.band,
      fill: "-1",
    },
    {
      label: t("analytics.forecast_mean"),
      data: points.map((p) => xy(p.start, p.mean, step)),
      borderColor: c.forecast,
      backgroundColor: c.forecast,
      borderWidth: 2,
      borderDash: [6, 3],
      pointRadius: 0,
      fill: false,
    },
    {
      label: t("analytics.forecast_actual"),
      data: measured,
      borderColor: c.import,
      backgroundColor: c.import,
      borderWidth: 2,
      pointRadius: 0,
      fill: false,
      spanGaps: false,
    },
  ];
  const lo = origin === null ? undefined : origin - 24 * HOUR_MS;
  forecastChart.options.scales.x.min = lo;
  forecastChart.options.scales.x.max = points.length ? Date.parse(points[points.length - 1].start) + step * 1000 : undefined;
  forecastChart.update();
}

/** Ticks at round local hours (every 6 h up to two days, else at local midnights). */
function localTicks(min, max, span) {
  const ticks = [];
  const every = span > 3 * 24 * HOUR_MS ? 24 : span > 30 * HOUR_MS ? 6 : 3;
  let x = Math.ceil(min / (15 * 60 * 1000)) * 15 * 60 * 1000;
  for (; x <= max; x += 15 * 60 * 1000) {
    const p = localParts(x);
    if (p.minute === 0 && p.hour % every === 0) ticks.push({ value: x });
  }
  return ticks;
}

/** Chart.js plugin: a dashed vertical line where the forecast starts. */
const originPlugin = {
  id: "compteurForecastOrigin",
  afterDatasetsDraw(chart) {
    if (chart.$origin === null || chart.$origin === undefined) return;
    const x = chart.scales.x.getPixelForValue(chart.$origin);
    const { top, bottom, left, right } = chart.chartArea;
    if (x < left || x > right) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = palette().muted;
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

function makeForecastChart() {
  const chart = new window.Chart($("forecast-chart"), {
    type: "line",
    data: { datasets: [] },
    plugins: [originPlugin],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 200 },
      parsing: false,
      normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          grid: { display: false },
          afterBuildTicks(axis) {
            axis.ticks = localTicks(axis.min, axis.max, axis.max - axis.min);
          },
          ticks: {
            maxRotation: 0,
            autoSkip: true,
            callback(value) {
              const p = localParts(value);
              if (p.hour === 0 && p.minute === 0) return formatTime(value, { weekday: "short", day: "numeric" });
              return formatTime(value, timeOptions);
            },
          },
        },
        y: {
          beginAtZero: true,
          title: { display: true, text: "W" },
          ticks: { callback: (v) => formatNumber(v, 0) },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.datasetIndex !== 0,
          callbacks: {
            title: (items) => (items.length ? formatTime(items[0].parsed.x, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : ""),
            label: (item) => {
              if (item.datasetIndex === 1) {
                const upper = chart.data.datasets[0].data[item.dataIndex];
                return `${item.dataset.label}: ${formatNumber(item.parsed.y, 0)}–${upper ? formatNumber(upper.y, 0) : "—"} W`;
              }
              return `${item.dataset.label}: ${item.parsed.y === null ? "—" : formatNumber(item.parsed.y, 0)} W`;
            },
          },
        },
      },
    },
  });
  return chart;
}

// ---------------------------------------------------------------- costs by month

async function loadCosts() {
  setBusy("costs-section", true);
  $("costs-loading").hidden = false;
  $("costs-error").hidden = true;
  document.body.dataset.costs = "loading";
  const today = todayLocal();
  const first = calendarDate(today.y, today.m - 11, 1);
  const params = { from: isoDate(first), to: isoInstant(Date.now()) };
  try {
    const body = await getJson("/api/costs", params);
    const table = $("costs-table");
    table.dataset.from = params.from;
    table.dataset.to = params.to;
    renderCosts(body);
    document.body.dataset.costs = "done";
  } catch (err) {
    showError("costs-error", err);
    document.body.dataset.costs = "error";
  } finally {
    $("costs-loading").hidden = true;
    setBusy("costs-section", false);
  }
}

const COST_FIELDS = [
  ["energy_kwh", 2, 1],
  ["energy_cost", 2, 1],
  ["fixed_cost", 2, 1],
  ["capacity_cost", 2, 1],
  ["taxes", 2, 1],
  ["feed_in_credit", 2, -1],  // a credit: shown with a minus sign
  ["total", 2, 1],
];

function costCells(row, values) {
  for (const [field, digits, sign] of COST_FIELDS) {
    const td = document.createElement("td");
    const value = values[field];
    td.dataset.field = field;
    td.dataset.value = value === null || value === undefined ? "" : String(value);
    if (value === null || value === undefined) td.textContent = "—";
    else if (sign < 0 && value > 0) td.textContent = `−${formatNumber(value, digits)}`;
    else td.textContent = formatNumber(value, digits);
    row.append(td);
  }
}

function renderCosts(body) {
  const currency = body.currency || page.currency;
  for (const el of document.querySelectorAll("#costs-table .currency-unit")) el.textContent = currency ? `(${currency})` : "";
  $("costs-unpriced").hidden = body.priced !== false;
  const months = body.months || [];
  const rows = months.map((m) => {
    const row = document.createElement("tr");
    row.dataset.month = m.month;
    row.dataset.complete = m.complete ? "true" : "false";
    const head = document.createElement("th");
    head.scope = "row";
    const [y, mo] = m.month.split("-").map(Number);
    head.textContent = formatCalendar(calendarDate(y, mo, 1), { month: "long", year: "numeric" });
    if (!m.complete) {
      const mark = document.createElement("span");
      mark.className = "badge badge-incomplete";
      mark.textContent = t("analytics.costs_incomplete");
      mark.title = t("analytics.costs_incomplete_title", { n: m.missing_intervals });
      head.append(" ", mark);
    }
    row.append(head);
    costCells(row, m);
    return row;
  });
  const table = $("costs-table");
  table.tBodies[0].replaceChildren(...rows);
  const foot = document.createElement("tr");
  foot.dataset.month = "total";
  const head = document.createElement("th");
  head.scope = "row";
  head.textContent = t("analytics.costs_sum");
  foot.append(head);
  costCells(foot, body);
  table.tFoot.replaceChildren(foot);
  $("costs-note").hidden = months.every((m) => m.complete);
  const tariffs = body.tariffs || [];
  const names = tariffs.map((tariff) => {
    const name = tariff.name || t("analytics.costs_tariff_unnamed", { kind: tOr(`analytics.tariff.${tariff.energy}`, tariff.energy) });
    if (tariffs.length < 2) return name;
    const from = parseIsoDate(tariff.valid_from);
    const to = parseIsoDate(tariff.valid_to);
    const fmt = { day: "numeric", month: "short", year: "numeric" };
    return `${name} (${from ? formatCalendar(from, fmt) : "…"} – ${to ? formatCalendar(to, fmt) : "…"})`;
  });
  const line = $("costs-tariffs");
  line.textContent = names.length ? t("analytics.costs_tariffs", { names: names.join(", ") }) : "";
  line.hidden = names.length === 0;
}

// ---------------------------------------------------------------- start

function redrawCharts() {
  if (state.forecast) renderForecast();
  if (state.standby) renderStandby(state.standby);
}

async function run() {
  const fromUrl = readUrl();
  await loadLastReading();
  if (!fromUrl) Object.assign(state, defaultRange());
  renderRange();
  saveUrl();

  $("range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const from = parseIsoDate($("range-from").value);
    const to = parseIsoDate($("range-to").value);
    if (!from || !to || isoDate(from) > isoDate(to)) {
      showError("analytics-error", new Error(t("analytics.range_invalid")));
      return;
    }
    $("analytics-error").hidden = true;
    state.from = from;
    state.to = to;
    renderRange();
    saveUrl();
    loadAnomalies();
  });
  $("range-latest").addEventListener("click", () => {
    $("analytics-error").hidden = true;
    Object.assign(state, defaultRange());
    renderRange();
    saveUrl();
    loadAnomalies();
  });
  $("show-acknowledged").addEventListener("change", renderAlerts);
  $("alerts-more").addEventListener("click", () => {
    const before = $("alerts-open").children.length;
    state.showAll = true;
    renderAlerts();
    const next = $("alerts-open").children[before];
    const button = next && next.querySelector("button");
    if (button) button.focus();
  });
  for (const button of document.querySelectorAll("[data-horizon]")) {
    button.addEventListener("click", () => {
      if (state.horizon === button.dataset.horizon) return;
      state.horizon = button.dataset.horizon;
      loadForecast();
    });
  }
  onThemeChange(() => {
    styleCharts();
    redrawCharts();
  });
  await Promise.all([loadAnomalies(), loadForecast(), loadCosts()]);
}

let started = null;

/** Start the analyses page (app.js calls it once the translations are loaded). */
export function start() {
  if (!started) started = run();
  return started;
}
