/* The record editor (records/admin.py): shows what the archive reads in a date as it is typed, asking the
   admin's date endpoint (records/editorial.py normalized_date). Without JavaScript the form shows the same after
   a preview or a save. Loaded as a file: the site's Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  function setup() {
    var output = document.getElementById("normalized-date");
    var text = document.querySelector("[data-date-input=text]");
    var edtf = document.querySelector("[data-date-input=edtf]");
    if (!output || !text || !window.fetch) { return; }
    var timer = null;
    var asked = 0;
    function show(result) {
      output.textContent = "";
      if (!result.ok) {
        var span = document.createElement("span");
        span.className = "date-error";
        span.textContent = result.error;
        output.appendChild(span);
        return;
      }
      if (!result.edtf) { output.textContent = "Undated"; return; }
      output.appendChild(document.createTextNode("Read as "));
      var code = document.createElement("code");
      code.textContent = result.edtf;
      output.appendChild(code);
      output.appendChild(document.createTextNode(
        ": from " + result.earliest + " to " + result.latest + " (" + result.precision + ", " + result.certainty + ")"));
    }
    function ask() {
      var n = ++asked;
      var url = output.getAttribute("data-url") + "?text=" + encodeURIComponent(text.value) +
        "&edtf=" + encodeURIComponent(edtf ? edtf.value : "");
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (result) { if (n === asked) { show(result); } })
        .catch(function () { /* the server-side reading stays */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(ask, 250); }
    text.addEventListener("input", later);
    if (edtf) { edtf.addEventListener("input", later); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();
