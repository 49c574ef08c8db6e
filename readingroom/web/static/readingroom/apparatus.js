// Escape closes the footnote or glossary popover that is showing (apparatus.css shows it on hover and on focus,
// without script); it shows again once both the pointer and the focus have left it. Nothing else needs this file.
(function () {
  "use strict";
  var OPEN = ".fn-wrap:hover, .fn-wrap:focus-within, .gloss:hover, .gloss:focus-within";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(OPEN).forEach(function (wrap) { wrap.classList.add("dismissed"); });
  });
  // Once the pointer and the focus have both left it, a dismissed popover may show again.
  function reset(event) {
    var wrap = event.target.closest && event.target.closest(".dismissed");
    if (!wrap) return;
    setTimeout(function () {
      if (!wrap.matches(":hover, :focus-within")) wrap.classList.remove("dismissed");
    }, 0);
  }
  document.addEventListener("focusout", reset);
  document.addEventListener("mouseout", reset);
})();
