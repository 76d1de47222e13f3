/*
 * Members page dialogs (progressive enhancement; CSP: script-src 'self', nothing inline).
 *
 * Without JavaScript every dialog link is an ordinary page with a real form. With it, htmx loads
 * the same template partial into <dialog id="member-dialog"> (hx-get ... hx-target), and this file:
 *   - opens it with showModal() (the rest of the page becomes inert; Esc closes it natively),
 *   - moves focus to the first field (or the first field with an error after a failed POST),
 *   - keeps Tab and Shift+Tab inside the dialog,
 *   - closes it from its Cancel link, and on close returns focus to the menu button that opened it.
 * A successful POST answers with HX-Redirect, so the page reloads with its flash message. A failure is shown
 * inside the dialog: the server's 403/404/409 dialogs, a server error or a lost connection with "Try again".
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

  // --- Failures: always say what happened, inside the dialog ------------------------------------------
  // 403/404/409 answers arrive as a dialog partial (htmx swaps them: base.html's responseHandling) and a
  // stale row also sends HX-Trigger: members-changed, which refreshes the table below. What is left here:
  // the server failing (5xx) and the network failing, each with a way to try again.
  function alertBox(text, retry) {
    var box = document.createElement("div");
    box.className = "message message--error dialog-alert";
    box.setAttribute("role", "alert");
    var label = document.createElement("strong");
    label.className = "message__label";
    label.textContent = "Error:";
    box.append(label, " " + text);
    if (retry) {
      var row = document.createElement("div");
      row.className = "button-row";
      var again = document.createElement("button");
      again.type = "button";
      again.className = "btn btn--small";
      again.textContent = "Try again";
      again.addEventListener("click", function () {
        box.remove();
        retry();
      });
      row.append(again);
      box.append(row);
    }
    return box;
  }

  function problemPanel(title, box) {
    var header = document.createElement("div");
    header.className = "modal__header";
    var heading = document.createElement("h2");
    heading.id = "dialog-title";
    heading.textContent = title;
    header.append(heading);
    var body = document.createElement("div");
    body.className = "modal__body";
    body.append(box);
    var footer = document.createElement("div");
    footer.className = "modal__footer";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn";
    cancel.setAttribute("data-dialog-close", "");
    cancel.textContent = "Cancel";
    footer.append(cancel);
    return [header, body, footer];
  }

  function showProblem(title, text, retry) {
    var box = alertBox(text, retry);
    var body = dialog.open && dialog.querySelector(".modal__body");
    if (body) {
      // The form stays as it was: its answers are kept for the retry.
      body.querySelectorAll(".dialog-alert").forEach(function (old) { old.remove(); });
      body.prepend(box);
    } else {
      dialog.replaceChildren.apply(dialog, problemPanel(title, box));
      dialog.showModal();
    }
    (box.querySelector("button") || box).focus();
  }

  function retryOf(detail) {
    var source = detail.elt;
    if (source && source.tagName === "FORM" && document.contains(source)) {
      return function () { source.requestSubmit(); };
    }
    var config = detail.requestConfig || {};
    var target = detail.target || dialog;
    return function () {
      htmx.ajax((config.verb || "get").toUpperCase(), config.path, { source: source, target: target });
    };
  }

  document.body.addEventListener("htmx:sendError", function (event) {
    showProblem(
      "No connection",
      "OrgConsole could not be reached, so nothing was changed. Check your connection and try again.",
      retryOf(event.detail)
    );
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showProblem(
      "Something went wrong",
      "OrgConsole could not finish this (error " + status + "). Try again in a moment.",
      retryOf(event.detail)
    );
  });

  // Someone else changed a row first: the answer says so in the dialog and this refreshes the table.
  document.body.addEventListener("members-changed", function () {
    var results = document.getElementById("members-results");
    if (!results) return;
    htmx.ajax("GET", window.location.href, { target: results, select: "#members-results", swap: "outerHTML" });
  });

  dialog.addEventListener("close", function () {
    dialog.replaceChildren();
    if (returnFocusTo && document.contains(returnFocusTo)) returnFocusTo.focus();
    returnFocusTo = null;
  });
})();
