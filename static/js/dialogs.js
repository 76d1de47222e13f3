/*
 * Members page dialogs (progressive enhancement; CSP: script-src 'self', nothing inline).
 *
 * Without JavaScript every dialog link is an ordinary page with a real form. With it, htmx loads
 * the same template partial into <dialog id="member-dialog"> (hx-get ... hx-target), and this file:
 *   - opens it with showModal() (the rest of the page becomes inert; Esc closes it natively),
 *   - moves focus to the first field (or the first field with an error after a failed POST),
 *   - keeps Tab and Shift+Tab inside the dialog,
 *   - closes it from its Cancel link, and on close returns focus to the menu button that opened it.
 * A successful POST answers with HX-Redirect, so the page reloads with its flash message.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("member-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;

  var returnFocusTo = null;
  var FOCUSABLE = [
    "a[href]",
    "button:not([disabled])",
    "input:not([disabled]):not([type=hidden])",
    "select:not([disabled])",
    "textarea:not([disabled])",
    "[tabindex]:not([tabindex='-1'])"
  ].join(",");

  function focusables() {
    return Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetParent !== null || el === document.activeElement;
    });
  }

  function focusFirstField() {
    var target =
      dialog.querySelector("[aria-invalid='true']") ||
      dialog.querySelector("input:not([type=hidden]):not([disabled]), select, textarea") ||
      dialog.querySelector("[type=submit]") ||
      focusables()[0];
    if (target && target.type === "radio") {
      // A radio group takes focus on its checked option, as arrow-key navigation expects.
      var group = dialog.querySelectorAll("input[type=radio]");
      for (var i = 0; i < group.length; i++) {
        if (group[i].name === target.name && group[i].checked) target = group[i];
      }
    }
    if (target) target.focus();
  }

  // Remember what opened the dialog: the menu's <summary> for row actions, else the trigger itself.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-dialog-trigger]");
    if (trigger) {
      var menu = trigger.closest("details.menu");
      returnFocusTo = menu ? menu.querySelector("summary") : trigger;
      if (menu) menu.removeAttribute("open");
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer && dialog.contains(closer)) {
      event.preventDefault();
      dialog.close();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== dialog) return;
    if (!dialog.open) dialog.showModal();
    focusFirstField();
  });

  // Keep Tab inside the dialog (showModal makes the page inert, but not the browser chrome).
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  dialog.addEventListener("close", function () {
    dialog.replaceChildren();
    if (returnFocusTo && document.contains(returnFocusTo)) returnFocusTo.focus();
    returnFocusTo = null;
  });
})();
