/*
 * Project Access next to an Organization Role (Invite User, Edit Role): while Organization Owner is chosen the
 * Project Access fields are disabled, because Owners have every project as Project Admin (the fieldset's note
 * says so). A disabled fieldset's fields are not submitted. Without this file the fields stay enabled and the
 * server refuses project roles for an Owner. CSP-safe: no inline script or style; works on dialogs loaded by htmx.
 */
(function () {
  "use strict";

  var OWNER = "owner";
  var FIELDSET = "fieldset[data-owner-disables-projects]";

  function chosenRole(form) {
    var radio = form.querySelector('input[name="role"]:checked');
    if (radio) return radio.value;
    var select = form.querySelector('select[name="role"]');
    return select ? select.value : "";
  }

  function sync(form) {
    var fieldset = form && form.querySelector(FIELDSET);
    if (fieldset) fieldset.disabled = chosenRole(form) === OWNER;
  }

  function syncWithin(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll(FIELDSET).forEach(function (fieldset) {
      sync(fieldset.closest("form"));
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "role") sync(event.target.form);
  });
  // A dialog htmx loads (or reloads with errors) starts in the state its chosen role calls for.
  document.addEventListener("htmx:load", function (event) {
    syncWithin(event.detail && event.detail.elt);
  });
  syncWithin(document);
})();
