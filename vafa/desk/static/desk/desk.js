// The desk's small behaviours: keyboard shortcuts, auto-submitting selects, row selection.
// Pages mark what a key does with data attributes, so this file needs no page-specific code:
//   data-shortcut="r"        the key clicks this element (a link or a button)
//   data-shortcut-focus="/"  the key focuses this field
//   data-row-link            a row the j/k keys move through; Enter follows its link
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-row-link]"), visible);
  }

  function selectRow(index) {
    var all = rows();
    if (!all.length) return false;
    var current = all.findIndex(function (row) { return row.classList.contains("desk-row-current"); });
    var next = current === -1 ? 0 : Math.min(Math.max(current + index, 0), all.length - 1);
    all.forEach(function (row) { row.classList.remove("desk-row-current"); row.removeAttribute("aria-current"); });
    all[next].classList.add("desk-row-current");
    all[next].setAttribute("aria-current", "true");
    var link = all[next].querySelector("a");
    if (link) link.focus({ preventScroll: false });
    return true;
  }

  var pendingG = false;

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && typing(event.target)) {
      var form = event.target.form;
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") {
        var inbox = document.querySelector("[data-shortcut-inbox]") || document.querySelector(".desk-nav a.nav-link");
        if (inbox) { event.preventDefault(); window.location.href = inbox.href; }
      }
      return;
    }
    if (key === "g") { pendingG = true; window.setTimeout(function () { pendingG = false; }, 1200); return; }
    if (key === "?") {
      var modal = document.getElementById("desk-shortcuts");
      if (modal && window.bootstrap) { event.preventDefault(); window.bootstrap.Modal.getOrCreateInstance(modal).show(); }
      return;
    }
    var focusTarget = document.querySelector('[data-shortcut-focus="' + CSS.escape(key) + '"]');
    if (focusTarget && visible(focusTarget)) { event.preventDefault(); focusTarget.focus(); return; }
    var clickTarget = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (clickTarget) { event.preventDefault(); clickTarget.click(); return; }
    if ((key === "j" || key === "k") && selectRow(key === "j" ? 1 : -1)) { event.preventDefault(); return; }
    if (key === "x") {
      var current = document.querySelector(".desk-row-current input[type=checkbox]");
      if (current) { event.preventDefault(); current.click(); }
    }
  });

  // A select marked data-autosubmit sends its form when it changes (language switch, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.requestSubmit();
  });

  // A checkbox marked data-select-all ticks every checkbox named by its value.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-select-all")) return;
    document.querySelectorAll('input[type=checkbox][name="' + el.getAttribute("data-select-all") + '"]')
      .forEach(function (box) { box.checked = el.checked; });
  });
})();
