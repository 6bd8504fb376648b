// Souk progressive enhancement: every page works without this file.
(function () {
  "use strict";
  // Language switcher: submit as soon as a language is picked; the button stays for no-JS users.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });
  // Copy buttons for one-time secrets.
  document.querySelectorAll("[data-testid=new-token]").forEach(function (code) {
    if (!navigator.clipboard) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small ghost";
    button.textContent = "⧉";
    button.setAttribute("aria-label", "Copy");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.trim()).then(function () {
        button.textContent = "✓";
      });
    });
    code.after(button);
  });
})();
