// Copy buttons of the record page's citation box. Without this script the citations are plain selectable text
// and the buttons stay hidden.
(function () {
  "use strict";
  var status = document.querySelector(".cite .copy-status");

  function fallbackCopy(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(button) {
    var node = document.getElementById(button.getAttribute("data-copy"));
    if (!node) { return; }
    var text = node.textContent.replace(/\s+/g, " ").trim();
    var attempt = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(node); })
      : fallbackCopy(node);
    var label = document.getElementById(button.getAttribute("aria-describedby"));
    attempt.then(function () {
      button.textContent = "Copied";
      button.classList.add("copied");
      if (status) { status.textContent = (label ? label.textContent + " citation" : "Citation") + " copied."; }
      window.setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 2500);
    }, function () {
      if (status) { status.textContent = "Could not copy: the citation is selected, press Ctrl+C (⌘C) to copy it."; }
    });
  }

  document.querySelectorAll(".cite button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
