/*
 * Members page: selecting rows for a bulk action (progressive enhancement; CSP: script-src 'self').
 *
 * Without JavaScript the form still works: the header box sends this page's rows, "Review all N matching"
 * every row the filters select. With it, as in Gmail or GitHub:
 *   - the header box ticks or unticks every row on the page (and shows "some" as indeterminate),
 *   - the count of selected rows is announced (a polite status),
 *   - only once the whole page is ticked, "Select all N matching rows" is offered; it selects every page
 *     (the form then sends all=1) until "Clear selection" or a row is unticked.
 * The table is swapped by htmx when the filters change: everything is delegated and recomputed after a swap.
 */
(function () {
  "use strict";

  function form() {
    return document.getElementById("bulk-form");
  }

  function rowBoxes() {
    return document.querySelectorAll('input.row-select[name="row"][form="bulk-form"]');
  }

  function pageBoxes() {
    return document.querySelectorAll("input[data-bulk-page]");
  }

  function visible(element) {
    return element && !element.hidden && element.offsetParent !== null;
  }

  function update() {
    var bulk = form();
    if (!bulk) return;
    var boxes = rowBoxes();
    var checked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
    var wholePage = boxes.length > 0 && checked === boxes.length;
    var all = bulk.querySelector("[data-bulk-all]");
    if (!wholePage) all.disabled = true; // unticking a row leaves "all matching"
    var everything = !all.disabled;
    pageBoxes().forEach(function (box) {
      box.checked = wholePage;
      box.indeterminate = checked > 0 && !wholePage;
    });
    var offer = bulk.querySelector("[data-bulk-select-all]");
    var clear = bulk.querySelector("[data-bulk-clear]");
    if (offer) offer.hidden = !wholePage || everything;
    clear.hidden = checked === 0;
    var text = "";
    if (everything) {
      text = "All " + bulk.dataset.bulkTotalLabel + " matching rows are selected.";
    } else if (wholePage && offer) {
      text = "All " + checked + " rows on this page are selected.";
    } else if (checked) {
      text = checked + (checked === 1 ? " row" : " rows") + " selected.";
    }
    var status = bulk.querySelector("[data-bulk-status]");
    if (status.textContent !== text) status.textContent = text;
  }

  function tickPage(on) {
    rowBoxes().forEach(function (box) { box.checked = on; });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("input[data-bulk-page]")) {
      tickPage(box.checked);
      update();
    } else if (box.matches('input.row-select[name="row"]')) {
      update();
    }
  });

  document.addEventListener("click", function (event) {
    var bulk = form();
    if (!bulk || !bulk.contains(event.target)) return;
    if (event.target.closest("[data-bulk-select-all]")) {
      bulk.querySelector("[data-bulk-all]").disabled = false;
      update();
      bulk.querySelector("[data-bulk-clear]").focus(); // the offer is gone: focus what undoes it
    } else if (event.target.closest("[data-bulk-clear]")) {
      bulk.querySelector("[data-bulk-all]").disabled = true;
      tickPage(false);
      update();
      var page = Array.prototype.filter.call(pageBoxes(), visible)[0];
      if (page) page.focus();
    }
  });

  document.body.addEventListener("htmx:afterSettle", update);
  update();
})();
