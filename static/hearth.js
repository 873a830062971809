// Hearth's small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to an error summary so screen reader and keyboard users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }

  // "Copy the link" buttons: shown only when the browser can copy.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) {
          status.textContent = "The link has been copied.";
        }
      }, function () {
        input.select();
        if (status) {
          status.textContent = "Select the link and copy it.";
        }
      });
    });
  });

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
    });
  });
})();
