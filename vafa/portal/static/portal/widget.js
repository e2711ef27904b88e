/*
 * Vafa's help widget. A shop puts one line on its pages:
 *   <script src="https://<vafa>/static/portal/widget.js" data-vafa-language="fa" async></script>
 * and gets a floating "Help" button that opens Vafa's help in a frame (/portal/widget/): search the
 * knowledge base, read an article, or send a request. data-vafa-url names Vafa's address when the
 * static files are served from elsewhere (a CDN); by default it is the address this script came from.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.vafaHelpWidget) {
    return;
  }
  var scriptUrl = new URL(script.src, document.baseURI);
  var base = new URL(script.getAttribute("data-vafa-url") || scriptUrl.origin, document.baseURI);
  var wanted = script.getAttribute("data-vafa-language") || document.documentElement.lang || "en";
  var language = wanted.slice(0, 2).toLowerCase();
  var words = { label: "Help", title: "Help", close: "Close help", dir: "ltr" };

  function address(path) {
    return new URL(path, base).href;
  }

  var root = document.createElement("div");
  root.className = "vafa-help";
  root.setAttribute("dir", "ltr");
  var panel = document.createElement("div");
  panel.className = "vafa-help-panel";
  panel.id = "vafa-help-panel";
  panel.hidden = true;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "vafa-help-button";
  button.id = "vafa-help-button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", panel.id);
  button.textContent = words.label;
  root.appendChild(panel);
  root.appendChild(button);
  var frame = null;

  function apply(data) {
    words = data;
    root.setAttribute("dir", data.dir === "rtl" ? "rtl" : "ltr");
    button.textContent = panel.hidden ? data.label : data.close;
    if (frame) {
      frame.title = data.title;
    }
  }

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "vafa-help-frame";
      frame.id = "vafa-help-frame";
      frame.title = words.title;
      frame.src = address("/portal/widget/?language=" + encodeURIComponent(language));
      panel.appendChild(frame);
    }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = words.close;
  }

  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.textContent = words.label;
    button.focus();
  }

  button.addEventListener("click", function () {
    if (panel.hidden) {
      open();
    } else {
      close();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {
      close();
    }
  });

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("widget.css", scriptUrl).href;
  (document.head || document.documentElement).appendChild(style);
  function mount() {
    document.body.appendChild(root);
  }
  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
  window.vafaHelpWidget = { open: open, close: close };

  if (window.fetch) {
    fetch(address("/portal/widget/config.json?language=" + encodeURIComponent(language)), { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          apply(data);
        }
      })
      .catch(function () {
        // The button keeps its English words when Vafa cannot be reached.
      });
  }
})();
