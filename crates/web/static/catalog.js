// Catalog feed pages: copy buttons for export links, and a live progress bar for an import run.
// Everything works without this file: links can be selected by hand and the run page refreshes itself.
(function () {
  "use strict";

  // Copy buttons beside each export link. Without the clipboard API (or when it refuses, e.g. on plain
  // http) the link is selected so the reader can copy it with the system menu.
  document.querySelectorAll("input[data-catalog-copy]").forEach(function (input) {
    var label = input.getAttribute("data-copy-label") || "Copy";
    var copied = input.getAttribute("data-copied-label") || label;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small ghost catalog-copy";
    button.textContent = label;
    function selectAll() {
      input.focus();
      input.select();
      input.setSelectionRange(0, input.value.length);
    }
    input.addEventListener("focus", selectAll);
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = copied;
          button.classList.add("done");
          window.setTimeout(function () {
            button.textContent = label;
            button.classList.remove("done");
          }, 2000);
        }, selectAll);
      } else {
        selectAll();
      }
    });
    input.after(button);
  });

  // Live progress: the run page names its event stream while the run is unfinished.
  var box = document.querySelector("[data-run-events]");
  if (!box || !window.EventSource) return;
  var bar = box.querySelector("[data-run-progress]");
  var percent = box.querySelector("[data-run-percent]");
  var counts = {};
  box.querySelectorAll("[data-run-count]").forEach(function (el) {
    counts[el.getAttribute("data-run-count")] = el;
  });
  var grouping = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var source = new EventSource(box.getAttribute("data-run-events"));
  var reloading = false;
  source.addEventListener("progress", function (e) {
    var p;
    try {
      p = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (bar) {
      bar.value = p.percent;
      bar.textContent = p.percent + " %";
    }
    if (percent) percent.textContent = p.percent + " %";
    Object.keys(counts).forEach(function (k) {
      if (typeof p[k] === "number") counts[k].textContent = grouping.format(p[k]);
    });
    if ((p.status === "done" || p.status === "failed") && !reloading) {
      // The finished page carries the summary and the report.
      reloading = true;
      source.close();
      window.setTimeout(function () { window.location.reload(); }, 400);
    }
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
