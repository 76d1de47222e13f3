/*
 * OrgConsole site-wide behaviour (loaded with `defer` from base.html; CSP: script-src 'self').
 * Keep this file small and self-contained; page-specific code goes in its own static file
 * loaded from {% block extra_js %}.
 */
(function () {
  "use strict";

  // <details class="menu"> dropdowns: close on Escape (returning focus to the summary)
  // and when clicking or tabbing outside. They work without this; it is a convenience.
  function openMenus() {
    return document.querySelectorAll("details.menu[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      if (menu.contains(document.activeElement)) {
        menu.querySelector("summary").focus();
      }
      menu.removeAttribute("open");
    });
  });

  function closeOutside(event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
})();
