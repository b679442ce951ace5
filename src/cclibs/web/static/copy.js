// Copy buttons shared by the console and the playground. A button with data-copy="#id"
// copies that element's text; code may call window.cclibsCopy(text, button) for other text.
// The status next to the button says whether it worked (a live region, for screen readers).
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

  function fallback(text) {
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

  function copy(text, button) {
    var copied = function () { announce(button, "Copied"); };
    var failed = function () {
      if (fallback(text)) { copied(); } else { announce(button, "Select the text and copy it"); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(copied, failed);
    } else {
      failed();
    }
  }

  window.cclibsCopy = copy;

  document.querySelectorAll("button[data-copy], button[data-copy-text]").forEach(function (button) {
    var selector = button.getAttribute("data-copy") || button.getAttribute("data-copy-text");
    var target = document.querySelector(selector);
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy((target.value !== undefined ? target.value : target.textContent).trim(), button);
    });
  });
})();
