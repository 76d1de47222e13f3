/*
 * Copy buttons for invitation links (CSP: script-src 'self', nothing inline). Without JavaScript the button
 * stays hidden and the link is a read-only field to select. The link never leaves the page except to the
 * clipboard: nothing is logged or sent anywhere.
 */
(function () {
  "use strict";

  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function say(button, text) {
    var status = button.parentNode.querySelector(".link-copy__status");
    if (status) status.textContent = text;
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    var copied = function () { say(button, "Copied."); };
    var manual = function () {
      if (copyBySelection(field)) copied();
      else say(button, "Selected: press Ctrl+C (or ⌘C) to copy.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, manual);
    } else {
      manual();
    }
  });

  // A focused link field selects its whole text, ready to copy with the keyboard.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches(".link-copy__field")) event.target.select();
  });

  reveal(document);
  // Dialog content loaded by htmx after this ran.
  document.addEventListener("htmx:load", function (event) {
    reveal(event.detail && event.detail.elt);
  });
})();
