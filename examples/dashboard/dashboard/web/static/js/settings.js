// Settings: copy a new API token, confirm revocations, show times in the meter's zone.
import { formatTime } from "./core.js";

/** Start the settings page (called by app.js). */
export async function start() {
  const copy = document.getElementById("copy-token");
  if (copy) {
    copy.addEventListener("click", async () => {
      const value = document.getElementById("new-token-value").textContent.trim();
      try {
        await navigator.clipboard.writeText(value);
        copy.textContent = copy.dataset.copied;
      } catch (err) {
        // No clipboard access (http, permissions): select the text for a manual copy.
        const range = document.createRange();
        range.selectNodeContents(document.getElementById("new-token-value"));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
    });
  }
  for (const form of document.querySelectorAll("form.revoke-form")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const time of document.querySelectorAll("time.local-time")) {
    const when = time.getAttribute("datetime");
    if (when) time.textContent = formatTime(when, { dateStyle: "medium", timeStyle: "short" });
  }
}
