// Shared helpers of the dashboard pages: page context, translations, API calls, number and
// time formatting in the meter's time zone, theme and chart colours.
//
// No framework and no build step: plain ES modules served as they are. Chart.js is the
// vendored UMD build (window.Chart), loaded by the page before the modules run.

const body = document.body;

/** Context handed over by the server through data-* attributes of <body>. */
export const page = Object.freeze({
  name: body.dataset.page || "",
  lang: body.dataset.lang || document.documentElement.lang || "fr",
  root: body.dataset.root || "",
  i18nUrl: body.dataset.i18nUrl || "",
  currency: body.dataset.currency || "",
  meter: body.dataset.meter || "",
  meterName: body.dataset.meterName || "",
  timezone: body.dataset.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone,
});

/** The BCP 47 locale used for numbers and dates. */
export const locale = page.lang === "fr" ? "fr-CH" : "en-GB";

// ---------------------------------------------------------------- translations

let strings = {};

/** Load the catalogue of the page language (the same JSON files the server uses). */
export async function loadStrings() {
  if (!page.i18nUrl) return;
  const response = await fetch(page.i18nUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`translations: HTTP ${response.status}`);
  strings = await response.json();
}

/**
 * Translate `key`, replacing `{name}` placeholders with `params.name`.
 * A missing key shows the key itself, so the gap is visible.
 */
export function t(key, params) {
  let text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
  }
  return text;
}

// ---------------------------------------------------------------- API

/** An API answer that is not a success; `message` is meant for the user. */
export class ApiError extends Error {
  constructor(status, message, parameter) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.parameter = parameter || null;
  }
}

/** URL of an API path with query parameters (the meter is added when the page has one). */
export function apiUrl(path, params = {}) {
  const url = new URL(page.root + path, window.location.origin);
  const all = { ...params };
  if (page.meter && all.meter === undefined) all.meter = page.meter;
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url.pathname + url.search;
}

/**
 * GET a JSON document from the API. A 401 sends the browser to the login page; any other
 * failure raises ApiError with the server's message.
 */
export async function getJson(path, params = {}, options = {}) {
  const response = await fetch(apiUrl(path, params), {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    signal: options.signal,
  });
  if (response.status === 401) {
    const next = window.location.pathname + window.location.search;
    window.location.assign(`${page.root}/login?next=${encodeURIComponent(next)}`);
    throw new ApiError(401, t("error.session_expired"));
  }
  if (options.allow404 && response.status === 404) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    throw new ApiError(response.status, t("error.bad_answer"));
  }
  if (!response.ok) {
    const message = (data && data.message) || t("error.http", { status: response.status });
    throw new ApiError(response.status, message, data && data.parameter);
  }
  return data;
}

/** The CSRF token of the page, for state-changing requests (header X-CSRF-Token). */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

// ---------------------------------------------------------------- numbers

const numberFormats = new Map();

/** Format a number with exactly `digits` decimals in the page locale; "—" for null. */
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  let format = numberFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, format);
  }
  return format.format(value);
}

/** Watts → kilowatts text (2 decimals). */
export const formatKw = (watts) => (watts === null || watts === undefined ? "—" : formatNumber(watts / 1000, 2));
/** Watt-hours → kilowatt-hours text (2 decimals). */
export const formatKwh = (wh) => (wh === null || wh === undefined ? "—" : formatNumber(wh / 1000, 2));
/** An amount of money (2 decimals, the currency is shown by the page next to it). */
export const formatMoney = (amount) => formatNumber(amount, 2);

/** Set the text of an <output> (or any element) and keep the raw value in data-value. */
export function show(element, text, raw) {
  if (!element) return;
  element.textContent = text;
  if (raw !== undefined) element.dataset.value = raw === null ? "" : String(raw);
}

// ---------------------------------------------------------------- time in the meter's zone

const dateFormats = new Map();

function dateFormat(options) {
  const key = JSON.stringify(options);
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: page.timezone, ...options });
    dateFormats.set(key, format);
  }
  return format;
}

/** Format an instant (Date, ms or ISO string) in the meter's time zone. */
export function formatTime(when, options) {
  const date = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(date.getTime())) return "—";
  return dateFormat(options).format(date);
}

const partsFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: page.timezone, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

/** The meter's wall-clock fields of an instant: {year, month, day, hour, minute, second}. */
export function localParts(when) {
  const date = when instanceof Date ? when : new Date(when);
  const out = {};
  for (const part of partsFormat.formatToParts(date)) {
    if (part.type !== "literal") out[part.type] = Number(part.value);
  }
  if (out.hour === 24) out.hour = 0;
  return out;
}

/** A calendar date {y, m, d} (m: 1–12), independent of any time zone. */
export function calendarDate(y, m, d) {
  const date = new Date(Date.UTC(y, m - 1, d));
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

/** Today's date in the meter's time zone. */
export function todayLocal() {
  const p = localParts(new Date());
  return calendarDate(p.year, p.month, p.day);
}

/** The meter-local calendar date of an instant. */
export function localDateOf(when) {
  const p = localParts(when);
  return calendarDate(p.year, p.month, p.day);
}

export const addDays = (c, n) => calendarDate(c.y, c.m, c.d + n);
export const addMonths = (c, n) => calendarDate(c.y, c.m + n, 1);
export const addYears = (c, n) => calendarDate(c.y + n, 1, 1);
/** ISO weekday 1 (Monday) … 7 (Sunday). */
export const weekday = (c) => ((new Date(Date.UTC(c.y, c.m - 1, c.d)).getUTCDay() + 6) % 7) + 1;

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** "YYYY-MM-DD" of a calendar date. */
export const isoDate = (c) => `${pad(c.y, 4)}-${pad(c.m)}-${pad(c.d)}`;
/** Naive local midnight "YYYY-MM-DDT00:00:00": the API reads it in the meter's time zone. */
export const localMidnight = (c) => `${isoDate(c)}T00:00:00`;

/** Parse "YYYY-MM-DD" into a calendar date; null when malformed. */
export function parseIsoDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!match) return null;
  const c = calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  return isoDate(c) === text ? c : null;
}

/** An instant as ISO 8601 in UTC with an explicit offset and whole seconds. */
export function isoInstant(when) {
  const date = when instanceof Date ? when : new Date(when);
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** A calendar date as a Date at noon UTC, for formatting weekday and month names. */
export const calendarNoon = (c) => new Date(Date.UTC(c.y, c.m - 1, c.d, 12));

const calendarFormats = new Map();

/** Format a calendar date (not an instant) with Intl options. */
export function formatCalendar(c, options) {
  const key = JSON.stringify(options);
  let format = calendarFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: "UTC", ...options });
    calendarFormats.set(key, format);
  }
  return format.format(calendarNoon(c));
}

// ---------------------------------------------------------------- theme

const THEME_KEY = "compteur-theme";
const themeListeners = new Set();

/** The stored theme choice: "auto", "light" or "dark". */
export function themeChoice() {
  try {
    const stored = window.localStorage.getItem(THEME_KEY);
    return stored === "light" || stored === "dark" ? stored : "auto";
  } catch (err) {
    return "auto";
  }
}

/** Call `listener` whenever the effective theme changes (toggle or system preference). */
export function onThemeChange(listener) {
  themeListeners.add(listener);
}

function notifyTheme() {
  for (const listener of themeListeners) listener();
}

function applyTheme(choice) {
  if (choice === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", choice);
  const button = document.getElementById("theme-toggle");
  if (button) {
    const label = button.dataset[`label${choice[0].toUpperCase()}${choice.slice(1)}`] || choice;
    button.setAttribute("aria-label", label);
    button.title = label;
    button.dataset.choice = choice;
  }
  notifyTheme();
}

/** Wire the theme button: auto → dark → light → auto, remembered in localStorage. */
export function initThemeToggle() {
  const order = ["auto", "dark", "light"];
  applyTheme(themeChoice());
  const button = document.getElementById("theme-toggle");
  if (button) {
    button.addEventListener("click", () => {
      const next = order[(order.indexOf(themeChoice()) + 1) % order.length];
      try {
        if (next === "auto") window.localStorage.removeItem(THEME_KEY);
        else window.localStorage.setItem(THEME_KEY, next);
      } catch (err) {
        // Storage disabled: the choice lasts until the page is left.
      }
      applyTheme(next);
    });
  }
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", notifyTheme);
}

/** Chart colours of the current theme, read from the CSS custom properties. */
export function palette() {
  const style = getComputedStyle(document.documentElement);
  const v = (name) => style.getPropertyValue(name).trim();
  return {
    text: v("--c-text"),
    muted: v("--c-muted"),
    grid: v("--c-grid"),
    surface: v("--c-surface"),
    import: v("--c-import"),
    importSoft: v("--c-import-soft"),
    export: v("--c-export"),
    exportSoft: v("--c-export-soft"),
    compare: v("--c-compare"),
    compareSoft: v("--c-compare-soft"),
    gap: v("--c-gap"),
    selection: v("--c-selection"),
  };
}

/** Apply the theme colours to Chart.js' defaults. */
export function styleCharts() {
  const Chart = window.Chart;
  if (!Chart) return;
  const colors = palette();
  Chart.defaults.color = colors.muted;
  Chart.defaults.borderColor = colors.grid;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
}

/** Wire the meter <select> of the top bar (several meters only). */
export function initMeterSelect() {
  const select = document.getElementById("meter-select");
  if (!select) return;
  select.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("meter", select.value);
    window.location.assign(url.pathname + url.search);
  });
}
