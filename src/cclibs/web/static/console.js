// The console's little JavaScript: showing only the fields that apply, focus after a refusal,
// and a confirmation before acts that cannot be undone. Copy buttons are copy.js's.
// Every page works without it.
(function () {
  "use strict";

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
