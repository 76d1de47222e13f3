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

  // Keep an opened menu inside the viewport: near the bottom it opens upwards, near an edge it aligns
  // to the other side. Only classes change (app.css); a CSP-safe nudge that needs no inline style.
  var PLACEMENT = ["menu--up", "menu--flip-start", "menu--flip-end"];
  function place(menu) {
    var list = menu.querySelector(".menu__list");
    if (!list) return;
    menu.classList.remove.apply(menu.classList, PLACEMENT);
    var room = document.documentElement.clientWidth;
    var box = list.getBoundingClientRect();
    if (box.right > room) menu.classList.add("menu--flip-end");
    else if (box.left < 0) menu.classList.add("menu--flip-start");
    var summary = menu.querySelector("summary").getBoundingClientRect();
    if (box.bottom > window.innerHeight && summary.top - box.height > 0) menu.classList.add("menu--up");
    list.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  // "toggle" does not bubble: listen in the capture phase for every menu, now and after htmx swaps.
  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (menu.matches && menu.matches("details.menu") && menu.open) place(menu);
    },
    true
  );
})();
