// History view: day (15-minute bars), week (hourly), month and year (daily) energy charts,
// drag to select a range and see its energy and cost, comparison with a second period,
// gaps shaded on the chart, CSV export of the loaded series.
import {
  ApiError, addDays, addMonths, addYears, calendarDate, formatCalendar, formatKwh, formatMoney,
  formatNumber, formatTime, getJson, isoDate, isoInstant, localDateOf, localMidnight, localParts,
  onThemeChange, page, palette, parseIsoDate, show, t, todayLocal, weekday,
} from "./core.js";

const $ = (id) => document.getElementById(id);

const QUANTITIES = "active_energy_import,active_energy_export";

/** What each view shows: the API resolution and the slot length (null: calendar days). */
const VIEWS = {
  day: { resolution: "15m", step: 15 * 60 * 1000 },
  week: { resolution: "1h", step: 60 * 60 * 1000 },
  month: { resolution: "1d", step: null },
  year: { resolution: "1d", step: null },
};

const state = {
  view: "day",
  anchor: null,          // calendar date inside the shown period
  compare: false,
  compareMode: "previous",
  compareDate: null,
  a: null,               // loaded period (see loadPeriod)
  b: null,
  selection: null,       // {i0, i1} slot indexes, inclusive
  drag: null,
  requestId: 0,
  selectionId: 0,
};

let chartA = null;
let chartB = null;

// ---------------------------------------------------------------- periods

/** The calendar bounds [start, end) of the period of `view` containing `date`. */
function periodOf(view, date) {
  if (view === "day") return { start: date, end: addDays(date, 1) };
  if (view === "week") {
    const start = addDays(date, 1 - weekday(date));
    return { start, end: addDays(start, 7) };
  }
  if (view === "month") {
    const start = calendarDate(date.y, date.m, 1);
    return { start, end: addMonths(start, 1) };
  }
  const start = calendarDate(date.y, 1, 1);
  return { start, end: addYears(start, 1) };
}

/** Move a date by `n` periods of `view`. */
function shift(view, date, n) {
  if (view === "day") return addDays(date, n);
  if (view === "week") return addDays(date, 7 * n);
  if (view === "month") return calendarDate(date.y, date.m + n, Math.min(date.d, 28));
  return calendarDate(date.y + n, date.m, Math.min(date.d, 28));
}

/** Human label of the period of `view` starting at `start`. */
function periodLabel(view, start) {
  if (view === "day") return formatCalendar(start, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  if (view === "week") {
    const last = addDays(start, 6);
    return t("history.week_label", {
      from: formatCalendar(start, { day: "numeric", month: "short" }),
      to: formatCalendar(last, { day: "numeric", month: "short", year: "numeric" }),
    });
  }
  if (view === "month") return formatCalendar(start, { month: "long", year: "numeric" });
  return String(start.y);
}

function compareAnchor() {
  if (state.compareMode === "year") return shift("year", state.anchor, -1);
  if (state.compareMode === "date" && state.compareDate) return state.compareDate;
  return shift(state.view, state.anchor, -1);
}

// ---------------------------------------------------------------- loading

/**
 * Load one period: the series from /api/readings, the totals from /api/costs, and build the
 * slot grid (one slot per expected interval, null where the meter sent nothing).
 */
async function loadPeriod(view, anchor) {
  const { start, end } = periodOf(view, anchor);
  const spec = VIEWS[view];
  const params = { from: localMidnight(start), to: localMidnight(end) };
  // The running period is costed up to now (the fixed fee of the hours still to come is left out).
  const running = isoDate(start) <= isoDate(todayLocal()) && isoDate(todayLocal()) < isoDate(end);
  const costParams = running ? { from: params.from, to: isoInstant(Date.now()) } : params;
  const [readings, costs] = await Promise.all([
    getJson("/api/readings", { ...params, resolution: spec.resolution, quantity: QUANTITIES }),
    getJson("/api/costs", costParams),
  ]);
  const slots = buildSlots(view, start, end, readings);
  const importWh = slots.importWh.reduce((s, v) => s + (v || 0), 0);
  const exportWh = slots.exportWh.reduce((s, v) => s + (v || 0), 0);
  const exportSum = typeof costs.export_kwh === "number" ? costs.export_kwh * 1000 : exportWh;
  return { view, start, end, running, readings, costs, ...slots, importSum: importWh, exportSum };
}

function buildSlots(view, start, end, readings) {
  const spec = VIEWS[view];
  const edges = [];  // slot i covers [edges[i], edges[i + 1])
  const queryEdges = [];  // the same edges as the API understands them
  if (spec.step) {
    const from = Date.parse(readings.from);
    const to = Date.parse(readings.to);
    for (let x = from; x <= to; x += spec.step) {
      edges.push(x);
      queryEdges.push(isoInstant(x));
    }
  } else {
    for (let c = start; isoDate(c) <= isoDate(end); c = addDays(c, 1)) {
      edges.push(c);
      queryEdges.push(localMidnight(c));
    }
  }
  const count = edges.length - 1;
  const importWh = new Array(count).fill(null);
  const exportWh = new Array(count).fill(null);
  const index = new Map();
  if (!spec.step) edges.slice(0, count).forEach((c, i) => index.set(isoDate(c), i));
  const series = readings.series || {};
  const imp = series.active_energy_import || [];
  const exp = series.active_energy_export || [];
  (readings.time || []).forEach((iso, k) => {
    let i;
    if (spec.step) {
      i = Math.floor((Date.parse(iso) - edges[0]) / spec.step);
    } else {
      i = index.get(isoDate(localDateOf(iso)));
    }
    if (i === undefined || i < 0 || i >= count) return;
    importWh[i] = imp[k] ?? null;
    exportWh[i] = exp[k] ?? null;
  });
  // Slots overlapping a gap reported by the API.
  const gapSlots = new Array(count).fill(false);
  const gaps = (readings.gaps || []).map((g) => ({
    from: Date.parse(g.from),
    to: g.to ? Date.parse(g.to) : Date.now(),
    reason: g.reason || "",
    open: !g.to,
  }));
  for (let i = 0; i < count; i += 1) {
    let a;
    let b;
    if (spec.step) {
      a = edges[i];
      b = edges[i + 1];
    } else {
      // A calendar day: its bounds are found from the dates of the gap edges.
      const day = isoDate(edges[i]);
      gapSlots[i] = gaps.some((g) => isoDate(localDateOf(g.from)) <= day && day <= isoDate(localDateOf(g.to - 1)));
      continue;
    }
    gapSlots[i] = gaps.some((g) => g.from < b && g.to > a);
  }
  return { edges, queryEdges, count, importWh, exportWh, gapSlots, gaps };
}

// ---------------------------------------------------------------- labels

function slotLabel(period, i) {
  const edge = period.edges[i];
  if (period.view === "day") return formatTime(edge, { hour: "2-digit", minute: "2-digit" });
  if (period.view === "week") return formatTime(edge, { weekday: "short", day: "numeric" });
  if (period.view === "month") return formatCalendar(edge, { day: "numeric" });
  return formatCalendar(edge, { day: "numeric", month: "short" });
}

function slotTitle(period, i) {
  const a = period.edges[i];
  const b = period.edges[i + 1];
  if (VIEWS[period.view].step) {
    const day = formatTime(a, { weekday: "short", day: "numeric", month: "short" });
    const from = formatTime(a, { hour: "2-digit", minute: "2-digit" });
    const to = formatTime(b, { hour: "2-digit", minute: "2-digit" });
    return `${day}, ${from}–${to}`;
  }
  void b;
  return formatCalendar(a, { weekday: "short", day: "numeric", month: "long", year: "numeric" });
}

/** Which labels to show on the x axis (a few per period, at round positions). */
function tickFilter(period, i, narrow) {
  const edge = period.edges[i];
  if (period.view === "day") {
    const p = localParts(edge);
    return p.minute === 0 && p.hour % (narrow ? 6 : 3) === 0;
  }
  if (period.view === "week") {
    const p = localParts(edge);
    return p.hour === 0 && p.minute === 0;
  }
  if (period.view === "month") return (edge.d - 1) % (narrow ? 7 : 3) === 0;
  return edge.d === 1 && (!narrow || edge.m % 3 === 1);
}

function rangeLabel(period, i0, i1) {
  const first = slotTitle(period, i0);
  if (i0 === i1) return first;
  const last = slotTitle(period, i1);
  if (VIEWS[period.view].step) {
    const endEdge = period.edges[i1 + 1];
    const sameDay = isoDate(localDateOf(period.edges[i0])) === isoDate(localDateOf(endEdge - 1));
    if (sameDay) {
      return `${formatTime(period.edges[i0], { weekday: "short", day: "numeric", month: "short" })}, `
        + `${formatTime(period.edges[i0], { hour: "2-digit", minute: "2-digit" })}–${formatTime(endEdge, { hour: "2-digit", minute: "2-digit" })}`;
    }
    return `${first.split("–")[0]} – ${formatTime(endEdge, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })}`;
  }
  return `${first} – ${last}`;
}

// ---------------------------------------------------------------- charts

/** Chart.js plugin: hatched bands over slots with missing data, and the drag selection. */
const overlayPlugin = {
  id: "compteurOverlay",
  beforeDatasetsDraw(chart) {
    const period = chart.$period;
    if (!period) return;
    const { ctx, chartArea } = chart;
    const x = chart.scales.x;
    const half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 || 0;
    const colors = palette();
    ctx.save();
    ctx.fillStyle = hatch(ctx, colors.gap);
    let i = 0;
    while (i < period.count) {
      if (!period.gapSlots[i]) { i += 1; continue; }
      let j = i;
      while (j + 1 < period.count && period.gapSlots[j + 1]) j += 1;
      const left = Math.max(chartArea.left, x.getPixelForValue(i) - half);
      const right = Math.min(chartArea.right, x.getPixelForValue(j) + half);
      ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      i = j + 1;
    }
    const selection = chart.$selection;
    if (selection) {
      const lo = Math.min(selection.i0, selection.i1);
      const hi = Math.max(selection.i0, selection.i1);
      const left = Math.max(chartArea.left, x.getPixelForValue(lo) - half);
      const right = Math.min(chartArea.right, x.getPixelForValue(hi) + half);
      ctx.fillStyle = colors.selection;
      ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
    }
    ctx.restore();
  },
};

const hatchCache = new Map();
function hatch(ctx, color) {
  if (hatchCache.has(color)) return hatchCache.get(color);
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const c = tile.getContext("2d");
  c.strokeStyle = color;
  c.lineWidth = 2;
  c.beginPath();
  c.moveTo(-2, 10); c.lineTo(10, -2);
  c.moveTo(6, 10); c.lineTo(10, 6);
  c.moveTo(-2, 2); c.lineTo(2, -2);
  c.stroke();
  const pattern = ctx.createPattern(tile, "repeat");
  hatchCache.set(color, pattern);
  return pattern;
}

function datasetsFor(period, colors, alt) {
  const kwh = (v) => (v === null ? null : v / 1000);
  return [
    {
      label: t("series.import"),
      data: period.importWh.map(kwh),
      backgroundColor: alt ? colors.compare : colors.import,
      borderRadius: 2,
      stack: "energy",
      categoryPercentage: 0.9,
      barPercentage: 0.95,
    },
    {
      label: t("series.export"),
      data: period.exportWh.map((v) => (v === null ? null : -v / 1000)),
      backgroundColor: alt ? colors.compareSoft : colors.export,
      borderRadius: 2,
      stack: "energy",
      categoryPercentage: 0.9,
      barPercentage: 0.95,
    },
  ];
}

function makeChart(canvas, alt) {
  const chart = new window.Chart(canvas, {
    type: "bar",
    data: { labels: [], datasets: [] },
    plugins: [overlayPlugin],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 250 },
      interaction: { mode: "index", intersect: false },
      scales: {
        x: {
          stacked: true,
          grid: { display: false },
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            callback(value, index) {
              const period = chart.$period;
              return period && tickFilter(period, index, chart.width < 560) ? slotLabel(period, index) : "";
            },
          },
        },
        y: {
          stacked: true,
          title: { display: true, text: "kWh" },
          ticks: { callback: (value) => formatNumber(Math.abs(value), Number.isInteger(value) ? 0 : Math.abs(value) < 1 ? 2 : 1) },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => (items.length && chart.$period ? slotTitle(chart.$period, items[0].dataIndex) : ""),
            label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? "—" : formatNumber(Math.abs(item.parsed.y), 3)} kWh`,
            afterBody: (items) => (items.length && chart.$period && chart.$period.gapSlots[items[0].dataIndex] ? t("series.gap") : ""),
          },
        },
      },
    },
  });
  chart.$alt = alt;
  return chart;
}

function fillChart(chart, period, range) {
  const colors = palette();
  chart.$period = period;
  chart.data.labels = period.importWh.map((_, i) => slotLabel(period, i));
  chart.data.datasets = datasetsFor(period, colors, chart.$alt);
  chart.options.scales.y.suggestedMax = range.max;
  chart.options.scales.y.suggestedMin = range.min;
  chart.update();
}

/** The common y range (kWh) of the periods shown: imports up, exports down. */
function yMaxOf(...periods) {
  let max = 0;
  let min = 0;
  for (const p of periods) {
    if (!p) continue;
    for (const v of p.importWh) if (v !== null && v / 1000 > max) max = v / 1000;
    for (const v of p.exportWh) if (v !== null && -v / 1000 < min) min = -v / 1000;
  }
  return { max: max || 1, min };
}

// ---------------------------------------------------------------- selection by dragging

function slotAt(chart, event) {
  const rect = chart.canvas.getBoundingClientRect();
  const xPixel = event.clientX - rect.left;
  const { left, right } = chart.chartArea;
  if (!chart.$period || chart.$period.count === 0) return null;
  const clamped = Math.min(Math.max(xPixel, left), right - 1);
  const value = chart.scales.x.getValueForPixel(clamped);
  return Math.min(Math.max(Math.round(value), 0), chart.$period.count - 1);
}

function wireSelection(chart) {
  const canvas = chart.canvas;
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const i = slotAt(chart, event);
    if (i === null) return;
    state.drag = { chart, i0: i, i1: i };
    chart.$selection = { i0: i, i1: i };
    canvas.setPointerCapture(event.pointerId);
    chart.draw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!state.drag || state.drag.chart !== chart) return;
    const i = slotAt(chart, event);
    if (i === null || i === state.drag.i1) return;
    state.drag.i1 = i;
    chart.$selection = { i0: state.drag.i0, i1: i };
    chart.draw();
  });
  const finish = (event) => {
    if (!state.drag || state.drag.chart !== chart) return;
    const { i0, i1 } = state.drag;
    state.drag = null;
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    select(chart, Math.min(i0, i1), Math.max(i0, i1));
  };
  canvas.addEventListener("pointerup", finish);
  // Keyboard: arrows move along the bars, Shift+arrows extend the selection, Home/End jump.
  let cursor = null;
  let anchor = null;
  let timer = 0;
  canvas.addEventListener("keydown", (event) => {
    const period = chart.$period;
    if (!period || period.count === 0) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const current = cursor === null ? (moves[event.key] > 0 ? -1 : period.count) : cursor;
    cursor = Math.min(Math.max(current + moves[event.key], 0), period.count - 1);
    if (!event.shiftKey || anchor === null) anchor = cursor;
    const lo = Math.min(anchor, cursor);
    const hi = Math.max(anchor, cursor);
    chart.$selection = { i0: lo, i1: hi };
    chart.draw();
    window.clearTimeout(timer);
    timer = window.setTimeout(() => select(chart, lo, hi), 350);
  });
  canvas.addEventListener("blur", () => { cursor = null; anchor = null; });
  canvas.addEventListener("pointercancel", () => {
    state.drag = null;
    chart.$selection = null;
    chart.draw();
  });
}

async function select(chart, i0, i1) {
  const period = chart.$period;
  for (const other of [chartA, chartB]) {
    if (other && other !== chart && other.$selection) { other.$selection = null; other.draw(); }
  }
  chart.$selection = { i0, i1 };
  chart.draw();
  const from = period.queryEdges[i0];
  const to = period.queryEdges[i1 + 1];
  const box = $("selection");
  box.hidden = false;
  $("selection-range").textContent = rangeLabel(period, i0, i1);
  const energy = $("selection-energy");
  energy.dataset.from = from;
  energy.dataset.to = to;
  energy.dataset.state = "loading";
  show(energy, "…", "");
  show($("selection-cost"), "…", "");
  let exported = 0;
  for (let i = i0; i <= i1; i += 1) exported += period.exportWh[i] || 0;
  show($("selection-export"), formatKwh(exported), exported / 1000);
  const id = ++state.selectionId;
  try {
    const costs = await getJson("/api/costs", { from, to });
    if (id !== state.selectionId) return;
    show(energy, formatNumber(costs.energy_kwh, 2), costs.energy_kwh);
    show($("selection-cost"), formatMoney(costs.total), costs.total);
    energy.dataset.state = "done";
  } catch (err) {
    if (id !== state.selectionId) return;
    show(energy, "—", "");
    energy.dataset.state = "error";
    showError(err);
  }
}

function clearSelection() {
  state.selectionId += 1;
  for (const chart of [chartA, chartB]) {
    if (chart) { chart.$selection = null; chart.draw(); }
  }
  $("selection").hidden = true;
}

// ---------------------------------------------------------------- rendering

function renderTotals(period) {
  const c = period.costs;
  show($("total-import"), formatNumber(c.energy_kwh, 2), c.energy_kwh);
  show($("total-export"), formatKwh(period.exportSum), period.exportSum / 1000);
  show($("total-cost"), formatMoney(c.total), c.total);
  show($("total-energy-cost"), formatMoney(c.energy_cost), c.energy_cost);
  show($("total-fixed-cost"), formatMoney(c.fixed_cost), c.fixed_cost);
  if (c.currency) for (const el of document.querySelectorAll(".currency")) el.textContent = c.currency;
  const gaps = period.gaps.length;
  let verdict = "incomplete";
  if (gaps === 0 && period.running) verdict = "running";
  else if (gaps === 0 && c.complete) verdict = "complete";
  const status = $("completeness");
  status.textContent = { complete: t("history.complete"), running: t("history.running"), incomplete: t("history.incomplete") }[verdict];
  status.dataset.state = verdict;
  $("gap-count").textContent = gaps === 0 ? t("history.no_gaps") : t("history.gap_count", { n: gaps });
}

function renderGaps(period) {
  const list = $("gap-list");
  list.replaceChildren();
  for (const gap of period.gaps) {
    const item = document.createElement("li");
    const from = formatTime(gap.from, { dateStyle: "medium", timeStyle: "short" });
    const to = gap.open ? t("history.gap_open") : formatTime(gap.to, { dateStyle: "medium", timeStyle: "short" });
    const minutes = Math.round((gap.to - gap.from) / 60000);
    const duration = minutes >= 120 ? t("history.hours", { n: formatNumber(minutes / 60, 1) }) : t("history.minutes", { n: minutes });
    item.textContent = `${from} → ${to} (${duration})${gap.reason ? ` — ${gap.reason}` : ""}`;
    list.append(item);
  }
  $("gaps").hidden = period.gaps.length === 0;
}

function renderCompare() {
  const a = state.a;
  const b = state.b;
  const on = state.compare && b;
  $("figure-b").hidden = !on;
  $("compare-panel").hidden = !state.compare;
  $("compare-grid").dataset.compare = on ? "on" : "off";
  if (!on) return;
  const labelA = periodLabel(a.view, a.start);
  const labelB = periodLabel(b.view, b.start);
  $("caption-b").textContent = labelB;
  $("compare-head-a").textContent = labelA;
  $("compare-head-b").textContent = labelB;
  const rows = {
    import: [a.costs.energy_kwh, b.costs.energy_kwh, 2],
    export: [a.exportSum / 1000, b.exportSum / 1000, 2],
    cost: [a.costs.total, b.costs.total, 2],
  };
  for (const [name, [va, vb, digits]] of Object.entries(rows)) {
    const row = document.querySelector(`#compare-table tr[data-row="${name}"]`);
    row.querySelector(".a").textContent = formatNumber(va, digits);
    row.querySelector(".b").textContent = formatNumber(vb, digits);
    const cell = row.querySelector(".d");
    cell.dataset.better = name === "export" ? "up" : "down";
    if (vb) {
      let pct = ((va - vb) / Math.abs(vb)) * 100;
      if (Math.abs(pct) < 0.05) pct = 0;
      cell.textContent = `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${formatNumber(Math.abs(pct), 1)}\u00a0%`;
      cell.dataset.trend = pct > 0 ? "up" : pct < 0 ? "down" : "flat";
    } else {
      cell.textContent = "—";
      delete cell.dataset.trend;
    }
  }
  const yMax = yMaxOf(a, b);
  fillChart(chartA, a, yMax);
  fillChart(chartB, b, yMax);
}

function renderControls() {
  for (const button of document.querySelectorAll(".segment")) {
    button.setAttribute("aria-pressed", button.dataset.view === state.view ? "true" : "false");
  }
  $("period-date").value = isoDate(state.anchor);
  const { start } = periodOf(state.view, state.anchor);
  const label = periodLabel(state.view, start);
  $("period-label").textContent = label;
  $("caption-a").textContent = label;
  const today = todayLocal();
  $("period-next").disabled = isoDate(periodOf(state.view, today).start) <= isoDate(start);
  $("compare-toggle").checked = state.compare;
  $("compare-mode").value = state.compareMode;
  $("compare-date").hidden = state.compareMode !== "date";
  if (state.compareDate) $("compare-date").value = isoDate(state.compareDate);
}

function saveUrl() {
  const url = new URL(window.location.href);
  url.searchParams.set("view", state.view);
  url.searchParams.set("date", isoDate(state.anchor));
  if (state.compare) url.searchParams.set("compare", state.compareMode);
  else url.searchParams.delete("compare");
  if (state.compare && state.compareMode === "date" && state.compareDate) url.searchParams.set("with", isoDate(state.compareDate));
  else url.searchParams.delete("with");
  window.history.replaceState(null, "", url.pathname + url.search);
}

function showError(err) {
  const box = $("history-error");
  box.textContent = err instanceof ApiError || (err && err.message) ? err.message : String(err);
  box.hidden = false;
}

async function refresh() {
  const id = ++state.requestId;
  renderControls();
  saveUrl();
  clearSelection();
  $("history-error").hidden = true;
  document.body.dataset.loading = "true";
  try {
    const [a, b] = await Promise.all([
      loadPeriod(state.view, state.anchor),
      state.compare ? loadPeriod(state.view, compareAnchor()) : Promise.resolve(null),
    ]);
    if (id !== state.requestId) return;
    state.a = a;
    state.b = b;
    renderTotals(a);
    renderGaps(a);
    fillChart(chartA, a, yMaxOf(a, b));
    renderCompare();
  } catch (err) {
    if (id === state.requestId) showError(err);
  } finally {
    if (id === state.requestId) document.body.dataset.loading = "false";
  }
}

// ---------------------------------------------------------------- CSV

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The loaded series as CSV text: one line per interval the API returned. */
export function toCsv(period) {
  const lines = [["start", "resolution", "active_energy_import_kwh", "active_energy_export_kwh"].join(",")];
  const series = period.readings.series || {};
  const imp = series.active_energy_import || [];
  const exp = series.active_energy_export || [];
  const kwh = (v) => (v === null || v === undefined ? "" : (v / 1000).toFixed(4));
  (period.readings.time || []).forEach((iso, i) => {
    lines.push([iso, period.readings.resolution || VIEWS[period.view].resolution, kwh(imp[i]), kwh(exp[i])].map(csvCell).join(","));
  });
  return `${lines.join("\r\n")}\r\n`;
}

function exportCsv() {
  const period = state.a;
  if (!period) return;
  const blob = new Blob([toCsv(period)], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  const meter = (page.meterName || "meter").replace(/[^\w.-]+/g, "_");
  link.download = `compteur-${meter}-${period.view}-${isoDate(period.start)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// ---------------------------------------------------------------- start

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const view = params.get("view");
  if (view && Object.prototype.hasOwnProperty.call(VIEWS, view)) state.view = view;
  state.anchor = parseIsoDate(params.get("date")) || todayLocal();
  const compare = params.get("compare");
  if (compare === "previous" || compare === "year" || compare === "date") {
    state.compare = true;
    state.compareMode = compare;
  }
  state.compareDate = parseIsoDate(params.get("with"));
}

/** Start the history view (called by app.js once the translations are loaded). */
export async function start() {
  readUrl();
  chartA = makeChart($("history-chart"), false);
  chartB = makeChart($("compare-chart"), true);
  wireSelection(chartA);
  wireSelection(chartB);
  for (const button of document.querySelectorAll(".segment")) {
    button.addEventListener("click", () => {
      state.view = button.dataset.view;
      refresh();
    });
  }
  $("period-prev").addEventListener("click", () => { state.anchor = shift(state.view, state.anchor, -1); refresh(); });
  $("period-next").addEventListener("click", () => { state.anchor = shift(state.view, state.anchor, 1); refresh(); });
  $("period-today").addEventListener("click", () => { state.anchor = todayLocal(); refresh(); });
  $("period-date").addEventListener("change", (event) => {
    const date = parseIsoDate(event.target.value);
    if (date) { state.anchor = date; refresh(); }
  });
  $("compare-toggle").addEventListener("change", (event) => { state.compare = event.target.checked; refresh(); });
  $("compare-mode").addEventListener("change", (event) => {
    state.compareMode = event.target.value;
    if (state.compareMode === "date" && !state.compareDate) state.compareDate = compareAnchorDefault();
    refresh();
  });
  $("compare-date").addEventListener("change", (event) => {
    const date = parseIsoDate(event.target.value);
    if (date) { state.compareDate = date; refresh(); }
  });
  $("selection-clear").addEventListener("click", clearSelection);
  $("export-csv").addEventListener("click", exportCsv);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") clearSelection();
  });
  onThemeChange(() => {
    if (state.a) fillChart(chartA, state.a, yMaxOf(state.a, state.b));
    if (state.b && state.compare) fillChart(chartB, state.b, yMaxOf(state.a, state.b));
  });
  await refresh();
}

function compareAnchorDefault() {
  return shift(state.view, state.anchor, -1);
}
