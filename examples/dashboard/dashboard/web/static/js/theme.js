// Applies the stored theme before the first paint (classic script in <head>, no module):
// "light" or "dark" from localStorage; otherwise the system preference decides (CSS).
(function () {
  "use strict";
  try {
    var stored = window.localStorage.getItem("compteur-theme");
    if (stored === "light" || stored === "dark") {
      document.documentElement.setAttribute("data-theme", stored);
    }
  } catch (e) {
    // Storage disabled: follow the system preference.
  }
})();
