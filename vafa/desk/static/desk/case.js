// The case page: reply box modes, typing state for the collision notice, focus after in-place edits.
// No inline code: the page's markup carries ids and data attributes this file reads.
(function () {
  "use strict";

  var TYPING_IDLE_MS = 5000;

  var reply = document.getElementById("case-reply");
  var body = document.getElementById("case-body");
  var presence = document.getElementById("case-presence");
  var typingField = document.getElementById("case-presence-typing");

  // --- reply or note ---------------------------------------------------------------------------
  function syncMode() {
    if (!reply) return;
    var note = document.getElementById("case-mode-note");
    reply.classList.toggle("case-reply-note", !!(note && note.checked));
    var resolve = document.getElementById("case-resolve");
    reply.classList.toggle("case-reply-resolving", !!(resolve && resolve.checked));
  }

  if (reply) {
    reply.addEventListener("change", syncMode);
    // The r and n shortcuts click a mode's label: switch, then put the cursor in the text box.
    reply.querySelectorAll("[data-reply-mode]").forEach(function (label) {
      label.addEventListener("click", function () {
        window.setTimeout(function () { syncMode(); if (body) body.focus(); }, 0);
      });
    });
    var form = document.getElementById("case-reply-form");
    if (form) {
      form.addEventListener("submit", function () {
        setTyping(false);
        var send = document.getElementById("case-send");
        // Stop a second click from sending twice; the page reloads after the post.
        if (send) window.setTimeout(function () { send.disabled = true; }, 0);
      });
    }
    syncMode();
  }

  // --- typing state for the collision notice ---------------------------------------------------
  var typing = false;
  var idleTimer = null;

  function ping() {
    if (presence && window.htmx) window.htmx.trigger(presence, "case-presence-ping");
  }

  function setTyping(value) {
    if (!typingField || typing === value) return;
    typing = value;
    typingField.value = value ? "1" : "0";
    ping();
  }

  if (body) {
    body.addEventListener("input", function () {
      setTyping(body.value.trim() !== "");
      if (idleTimer) window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(function () { setTyping(false); }, TYPING_IDLE_MS);
    });
    body.addEventListener("blur", function () { setTyping(false); });
  }

  // Tell the others at once when the page closes, instead of after the presence window.
  window.addEventListener("pagehide", function () {
    if (!presence || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("leave", "1");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) data.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(presence.getAttribute("action"), data);
  });

  // A macro was applied: put its text where the cursor is (the server sent it in #case-macro-text).
  document.body.addEventListener("macro-inserted", function () {
    var source = document.getElementById("case-macro-text");
    var box = document.getElementById("case-body");
    if (!source || !box) return;
    var text = source.value;
    source.remove();
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    if (before && !/\s$/.test(before)) text = "\n\n" + text;
    box.value = before + text + box.value.slice(end);
    var macros = document.getElementById("case-macros");
    if (macros) macros.open = false;
    box.focus();
    box.setSelectionRange(before.length + text.length, before.length + text.length);
  });

  // Re-announcing the same notice every ten seconds would be noise for screen readers.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "case-presence-status" && event.detail.xhr &&
        event.detail.xhr.responseText.trim() === target.innerHTML.trim()) {
      event.detail.shouldSwap = false;
    }
  });

  // After an in-place edit opens, put the cursor in its first field; after saving, back on the header.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    var header = document.getElementById("case-header");
    if (header && target.id === "case-header") {
      var field = header.querySelector("[data-autofocus]");
      if (field) { field.focus(); return; }
      var title = document.getElementById("case-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: true }); }
    }
  });
})();
