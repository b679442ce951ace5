// The console's little JavaScript: copy buttons, and showing only the fields that apply.
// Every page works without it; it only hides what does not apply and adds the copy buttons.
(function () {
  "use strict";

  function announce(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.parentNode.appendChild(status);
    }
    status.textContent = text;
    window.setTimeout(function () { status.textContent = ""; }, 2500);
  }

  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      var copied = function () { announce(button, "Copied"); };
      var failed = function () {
        if (copyFallback(text)) { copied(); } else { announce(button, "Select the text and copy it"); }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(copied, failed);
      } else {
        failed();
      }
    });
  });

  // After a refusal, or a checked redirect URI, take the reader to the message.
  var focusTarget = document.querySelector("[data-focus-on-load]");
  if (focusTarget) { focusTarget.focus(); }

  // Acts at once and cannot be undone: ask first.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Redirect URIs: show the exact list or the default URI + pattern, as the mode says.
  document.querySelectorAll("[data-redirects]").forEach(function (box) {
    var radios = box.querySelectorAll("input[name=redirect_mode][type=radio]");
    if (!radios.length) { return; }
    function sync() {
      var mode = box.querySelector("input[name=redirect_mode]:checked");
      var value = mode ? mode.value : "exact";
      box.querySelectorAll("[data-mode]").forEach(function (field) {
        field.hidden = field.getAttribute("data-mode") !== value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  });

  // Adding a credential: Server-to-Server takes no redirect URIs; Native App takes no pattern.
  document.querySelectorAll("[data-credential-form]").forEach(function (form) {
    var needs = form.querySelector("[data-needs-redirects]");
    var capable = form.querySelector("[data-pattern-capable]");
    function sync() {
      var chosen = form.querySelector("input[name=type]:checked");
      var kind = chosen ? chosen.value : "";
      if (needs) { needs.hidden = kind === "server"; }
      if (capable) {
        capable.hidden = kind === "native";
        if (kind === "native") {
          var exact = capable.querySelector("input[value=exact]");
          if (exact && !exact.checked) { exact.checked = true; exact.dispatchEvent(new Event("change")); }
        }
      }
    }
    form.querySelectorAll("input[name=type]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  });
})();
