// Live view: the latest reading, updated by Server-Sent Events (/api/stream), today's energy
// and cost (/api/costs), and the power of the last hour (/api/readings, raw).
import {
  apiUrl, formatKw, formatMoney, formatNumber, formatTime, getJson, isoInstant,
  isoDate, localDateOf, localMidnight, onThemeChange, palette, show, t, todayLocal,
} from "./core.js";

const WINDOW_MS = 60 * 60 * 1000;
const REFRESH_MS = 30 * 1000;

const $ = (id) => document.getElementById(id);

/** Decimals shown per quantity (power is shown in kW, see formatKw). */
const DIGITS = {
  voltage_l1: 1, voltage_l2: 1, voltage_l3: 1,
  current_l1: 2, current_l2: 2, current_l3: 2,
  power_factor: 3, frequency: 2,
  reactive_power_import: 0, reactive_power_export: 0,
};

let chart = null;
let lastTime = null;

function render(reading) {
  const values = reading.values || {};
  for (const element of document.querySelectorAll("output[data-quantity]")) {
    const quantity = element.dataset.quantity;
    const value = Object.prototype.hasOwnProperty.call(values, quantity) ? values[quantity] : null;
    const text = quantity.startsWith("active_power")
      ? formatKw(value)
      : formatNumber(value, DIGITS[quantity] ?? 2);
    show(element, text, value);
    if (element.parentElement) element.parentElement.dataset.empty = value === null || value === undefined ? "true" : "false";
  }
  const time = $("last-reading");
  time.textContent = formatTime(reading.time, { dateStyle: "medium", timeStyle: "medium" });
  time.dateTime = reading.time;
  time.dataset.value = reading.time;
  $("live-empty").hidden = true;
  renderObis(reading.obis || []);
}

function renderObis(rows) {
  const tbody = $("obis-table").tBodies[0];
  const fresh = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const cell of [row.obis, row.value, row.unit]) {
      const td = document.createElement("td");
      td.textContent = cell === null || cell === undefined ? "" : String(cell);
      tr.append(td);
    }
    fresh.append(tr);
  }
  tbody.replaceWith(fresh);
}

let todayBusy = false;
let todayPending = null;

/**
 * Today's energy and cost from local midnight up to `until` (the time of the latest reading,
 * so the figures match the reading shown). One request at a time; the newest wins.
 */
async function loadToday(until) {
  if (todayBusy) {
    todayPending = until;
    return;
  }
  todayBusy = true;
  try {
    const today = todayLocal();
    const from = localMidnight(today);
    // Up to the latest reading when it is from today; else (silent meter) up to now.
    const to = until && isoDate(localDateOf(until)) === isoDate(today) ? until : isoInstant(Date.now());
    const costs = await getJson("/api/costs", { from, to });
    const energy = $("today-energy");
    show(energy, formatNumber(costs.energy_kwh, 2), costs.energy_kwh);
    energy.dataset.from = from;
    energy.dataset.to = to;
    show($("today-cost"), formatMoney(costs.total), costs.total);
    show($("today-energy-cost"), formatMoney(costs.energy_cost), costs.energy_cost);
    show($("today-fixed-cost"), formatMoney(costs.fixed_cost), costs.fixed_cost);
    if (costs.currency) $("today-currency").textContent = costs.currency;
    show($("today-export"), formatNumber(costs.export_kwh, 2), costs.export_kwh ?? null);
    $("live-error").hidden = true;
  } finally {
    todayBusy = false;
  }
  if (todayPending !== null) {
    const next = todayPending;
    todayPending = null;
    await loadToday(next);
  }
}

function makeChart() {
  const colors = palette();
  const canvas = $("live-chart");
  chart = new window.Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label: t("series.import"), data: [], borderColor: colors.import,
          backgroundColor: colors.importSoft, fill: "origin", pointRadius: 0, borderWidth: 2, tension: 0,
        },
        {
          label: t("series.export"), data: [], borderColor: colors.export,
          backgroundColor: colors.exportSoft, fill: "origin", pointRadius: 0, borderWidth: 2, tension: 0,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      spanGaps: 16 * 60 * 1000,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: {
          type: "linear",
          // Ticks on round wall-clock minutes (every 10 min, 20 on narrow screens).
          afterBuildTicks: (scale) => {
            const step = (scale.width < 420 ? 20 : 10) * 60 * 1000;
            const ticks = [];
            for (let v = Math.ceil(scale.min / step) * step; v <= scale.max; v += step) ticks.push({ value: v });
            scale.ticks = ticks;
          },
          ticks: {
            callback: (value) => formatTime(value, { hour: "2-digit", minute: "2-digit" }),
          },
          grid: { display: false },
        },
        y: {
          beginAtZero: true,
          title: { display: true, text: "kW" },
          ticks: { callback: (value) => formatNumber(value, Number.isInteger(value) ? 0 : Math.abs(value) < 1 ? 2 : 1) },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? formatTime(items[0].parsed.x, { timeStyle: "medium" }) : ""),
            label: (item) => `${item.dataset.label}: ${formatNumber(item.parsed.y, 2)} kW`,
          },
        },
      },
    },
  });
  onThemeChange(() => {
    const c = palette();
    const [imp, exp] = chart.data.datasets;
    imp.borderColor = c.import; imp.backgroundColor = c.importSoft;
    exp.borderColor = c.export; exp.backgroundColor = c.exportSoft;
    chart.update("none");
  });
}

function trimAndRange() {
  const end = Date.now();
  const start = end - WINDOW_MS;
  for (const dataset of chart.data.datasets) {
    while (dataset.data.length && dataset.data[0].x < start) dataset.data.shift();
  }
  chart.options.scales.x.min = start;
  chart.options.scales.x.max = end;
}

function addPoint(reading) {
  const x = Date.parse(reading.time);
  if (Number.isNaN(x)) return;
  const [imp, exp] = chart.data.datasets;
  const last = imp.data.length ? imp.data[imp.data.length - 1].x : -Infinity;
  if (x <= last) return;
  const v = reading.values || {};
  const kw = (w) => (w === null || w === undefined ? null : w / 1000);
  imp.data.push({ x, y: kw(v.active_power_import) });
  exp.data.push({ x, y: kw(v.active_power_export) });
  trimAndRange();
  chart.update("none");
}

async function loadRecent() {
  const end = Date.now();
  const data = await getJson("/api/readings", {
    from: isoInstant(end - WINDOW_MS), to: isoInstant(end + 60 * 1000), resolution: "raw",
    quantity: "active_power_import,active_power_export",
  });
  const [imp, exp] = chart.data.datasets;
  const kw = (w) => (w === null || w === undefined ? null : w / 1000);
  const importSeries = data.series.active_power_import || [];
  const exportSeries = data.series.active_power_export || [];
  imp.data = []; exp.data = [];
  data.time.forEach((iso, i) => {
    const x = Date.parse(iso);
    imp.data.push({ x, y: kw(importSeries[i]) });
    exp.data.push({ x, y: kw(exportSeries[i]) });
  });
  trimAndRange();
  chart.update("none");
}

function setStatus(state) {
  const status = $("stream-status");
  status.dataset.state = state;
  status.textContent = t(`live.stream.${state}`);
}

let stream = null;

function connectStream() {
  if (stream) stream.close();
  const source = new EventSource(apiUrl("/api/stream"));
  stream = source;
  source.addEventListener("open", () => setStatus("live"));
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) {
      setStatus("reconnecting");
      return;
    }
    // The server refused the stream (session expired, too many streams): the browser gives
    // up, so try again later; getJson sends the browser to the login page on a 401.
    setStatus("closed");
    window.setTimeout(() => {
      getJson("/api/data", {}, { allow404: true }).then(connectStream, (err) => {
        showError(err);
        window.setTimeout(connectStream, 30 * 1000);
      });
    }, 10 * 1000);
  });
  source.addEventListener("reading", (event) => {
    let reading;
    try {
      reading = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    setStatus("live");
    if (reading.time === lastTime) return;
    lastTime = reading.time;
    render(reading);
    addPoint(reading);
    loadToday(reading.time).catch(showError);
  });
}

function showError(err) {
  const box = $("live-error");
  box.textContent = err && err.message ? err.message : String(err);
  box.hidden = false;
}

/** Start the live view (called by app.js once the translations are loaded). */
export async function start() {
  // Keys used through template literals above, listed for the catalogue check:
  // t("live.stream.connecting") t("live.stream.live") t("live.stream.reconnecting") t("live.stream.closed")
  makeChart();
  const latest = await getJson("/api/data", {}, { allow404: true });
  if (latest) {
    lastTime = latest.time;
    render(latest);
  } else {
    $("live-empty").hidden = false;
  }
  await Promise.all([loadRecent(), loadToday(latest ? latest.time : null)]);
  connectStream();
  window.addEventListener("pagehide", () => { if (stream) stream.close(); });
  // Keep the chart's window moving (and the day rolling over) when no reading comes.
  window.setInterval(() => {
    trimAndRange();
    chart.update("none");
    if (lastTime === null || Date.now() - Date.parse(lastTime) > REFRESH_MS) loadToday(null).catch(showError);
  }, REFRESH_MS);
}
