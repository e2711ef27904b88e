// The inbox: live refresh of the list, the ticked-cases counter, and small form helpers.
//
// The list (#inbox-results) asks the server for itself every 30 s (hx-trigger in the template).
// A refresh would replace the rows under the agent's hands, so it waits while any case is ticked
// (the ticks are a selection for a bulk action, and a refresh must never drop it) and while the tab
// is hidden; when the tab shows again after a missed refresh, the list refreshes at once. Rather than
// a "new cases" banner, the list itself stays current: agents work the queue from the top, and the
// view counts in the left column refresh with it. The row the agent moved to with j/k and the element
// that had the focus are found again in the new rows.
(function () {
  "use strict";

  var REFRESH_MS = 30000;
  var missed = false;
  var keep = null;

  function results() { return document.getElementById("inbox-results"); }
  function tickedCount() { return document.querySelectorAll('input[type=checkbox][name="case"]:checked').length; }

  function showState() {
    var count = tickedCount();
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = String(count); });
    var paused = document.querySelector("[data-refresh-paused]");
    if (paused) paused.hidden = count === 0;
  }

  function refreshedAt() {
    var list = results();
    var at = list && Date.parse(list.getAttribute("data-refreshed") || "");
    return isNaN(at) ? 0 : at;
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches('input[type=checkbox][name="case"], input[data-select-all]')) showState();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = results();
    if (!list || event.detail.elt !== list) return;
    if (document.visibilityState !== "visible" || tickedCount() > 0) {
      missed = true;
      event.preventDefault();
      showState();
    }
  });

  // Remember the current row and the focused element before the list is replaced.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var list = results();
    if (!list || event.detail.target !== list) return;
    var current = list.querySelector(".desk-row-current");
    var active = document.activeElement;
    var activeRow = active && list.contains(active) ? active.closest("[data-case-id]") : null;
    keep = {
      current: current ? current.getAttribute("data-case-id") : null,
      focusRow: activeRow ? activeRow.getAttribute("data-case-id") : null,
      focusIsBox: !!(active && active.matches && active.matches("input[type=checkbox]")),
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    showState();
    if (!keep) return;
    var list = results();
    var state = keep;
    keep = null;
    if (!list) return;
    if (state.current) {
      var row = list.querySelector('[data-case-id="' + CSS.escape(state.current) + '"]');
      if (row) { row.classList.add("desk-row-current"); row.setAttribute("aria-current", "true"); }
    }
    if (state.focusRow) {
      var focusRow = list.querySelector('[data-case-id="' + CSS.escape(state.focusRow) + '"]');
      var target = focusRow && focusRow.querySelector(state.focusIsBox ? "input[type=checkbox]" : "a");
      if (target) target.focus({ preventScroll: true });
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    var list = results();
    if (list && window.htmx && (missed || Date.now() - refreshedAt() > REFRESH_MS) && tickedCount() === 0) {
      missed = false;
      window.htmx.trigger(list, "inbox-refresh");
    }
  });

  // Enter in the "tags to add" field adds the tags (not the form's first action, assign).
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || !el || !el.hasAttribute || !el.hasAttribute("data-bulk-submit")) return;
    var button = el.form && el.form.querySelector('button[name="action"][value="' + CSS.escape(el.getAttribute("data-bulk-submit")) + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });

  // Forms marked data-confirm ask first (deleting a saved view).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);

  showState();
})();
