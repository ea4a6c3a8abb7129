// Entry point of every page: theme, meter selector, translations, then the page's module.
import { initMeterSelect, initThemeToggle, loadStrings, page, styleCharts, onThemeChange } from "./core.js";

const PAGES = {
  live: () => import("./live.js"),
  history: () => import("./history.js"),
  settings: () => import("./settings.js"),
  analytics: () => import("./analytics.js"),
};

/** The FR/EN links keep the page's current state (view, date, …) that scripts put in the URL. */
function initLanguageLinks() {
  for (const link of document.querySelectorAll(".langs a[hreflang]")) {
    link.addEventListener("click", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("lang", link.getAttribute("hreflang"));
      link.href = url.pathname + url.search;
    });
  }
}

async function main() {
  initThemeToggle();
  initMeterSelect();
  initLanguageLinks();
  const loader = PAGES[page.name];
  if (!loader) return;
  await loadStrings();
  styleCharts();
  onThemeChange(styleCharts);
  const module = await loader();
  await module.start();
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  document.body.dataset.ready = "error";
  const box = document.createElement("p");
  box.className = "alert alert-error page-error";
  box.setAttribute("role", "alert");
  box.textContent = err && err.message ? err.message : String(err);
  const main = document.getElementById("main");
  if (main) main.prepend(box);
});
