// Souk progressive enhancement: every page works without this file.
(function () {
  "use strict";
    var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  // Language switcher: submit as soon as a language is picked; the button stays for no-JS users.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });

  // A copy button after `el`; its labels come translated from the element's data-copy-label and
  // data-copied-label attributes. The icon is inline SVG so it never depends on a font having a glyph.
  var SVG = "http://www.w3.org/2000/svg";
  function copyIcon() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    [["rect", { x: "9", y: "9", width: "11", height: "11", rx: "2" }],
     ["path", { d: "M15 9V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v7a2 2 0 0 0 2 2h3" }]].forEach(function (s) {
      var node = document.createElementNS(SVG, s[0]);
      Object.keys(s[1]).forEach(function (k) { node.setAttribute(k, s[1][k]); });
      svg.appendChild(node);
    });
    return svg;
  }
  function copyButton(getText, el) {
    if (!navigator.clipboard) return;
    var copyLabel = el.getAttribute("data-copy-label");
    var copiedLabel = el.getAttribute("data-copied-label") || copyLabel;
    if (!copyLabel) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small ghost copy";
    var text = document.createElement("span");
    text.textContent = copyLabel;
    button.appendChild(copyIcon());
    button.appendChild(text);
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(getText()).then(function () {
        text.textContent = copiedLabel;
        button.classList.add("done");
      });
    });
    el.after(button);
  }

  // Copy buttons for one-time secrets.
  document.querySelectorAll("code[data-copy-label]").forEach(function (code) {
    copyButton(function () { return code.textContent.trim(); }, code);
  });

  // Elements matching `sel` inside `root`, including `root` itself.
  function all(root, sel) {
    var found = Array.prototype.slice.call(root.querySelectorAll(sel));
    if (root.matches && root.matches(sel)) found.unshift(root);
    return found;
  }

  // Everything below may also run on cards appended by infinite scroll.
  function enhance(root) {
    // Share sheet: a copy button next to the link; selecting the field selects the whole link.
    all(root, "input[data-copy]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
      copyButton(function () { return input.value; }, input);
    });

    // Destructive forms ask first.
    all(root, "form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
      });
    });

    // Like and save buttons: call the JSON API instead of reloading the page.
    all(root, "form.toggle[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.fetch) return;
        e.preventDefault();
        var onInput = form.querySelector("input[name=on]");
        var button = form.querySelector("button");
        var turnOn = onInput.value !== "0";
        if (button.disabled) return;
        button.disabled = true;
        fetch(form.getAttribute("data-api"), {
          method: turnOn ? "POST" : "DELETE",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
        }).then(function (res) {
          if (!res.ok) throw new Error(String(res.status));
          return res.json();
        }).then(function (data) {
          var field = form.getAttribute("data-field");
          var on = field && field in data ? !!data[field] : turnOn;
          onInput.value = on ? "0" : "1";
          button.classList.toggle("on", on);
          button.setAttribute("aria-pressed", on ? "true" : "false");
          var countKey = form.getAttribute("data-count");
          var n = button.querySelector(".n");
          if (countKey && n && countKey in data) n.textContent = String(data[countKey]);
          if (on && button.classList.contains("like")) {
            button.classList.remove("pop");
            void button.offsetWidth;
            button.classList.add("pop");
          }
        }).catch(function () {
          // Fall back to the plain form post, which shows a proper error page if needed.
          form.submit();
        }).finally(function () {
          button.disabled = false;
        });
      });
    });

    // Carousels: keep the dots and the "2/5" counter in step with swiping; dots scroll sideways only.
    all(root, "[data-carousel]").forEach(function (carousel) {
      var strip = carousel.querySelector(".slides");
      var dots = carousel.querySelectorAll(".dots a");
      var counter = carousel.querySelector("[data-counter]");
      if (!strip || dots.length === 0) return;
      var total = dots.length;
      function current() {
        return Math.round(strip.scrollLeft / Math.max(1, strip.clientWidth));
      }
      function mark() {
        var i = Math.min(total - 1, Math.max(0, current()));
        dots.forEach(function (d, j) {
          d.classList.toggle("on", i === j);
          if (i === j) d.setAttribute("aria-current", "true"); else d.removeAttribute("aria-current");
        });
        if (counter) counter.textContent = (i + 1) + "/" + total;
      }
      var pending = false;
      strip.addEventListener("scroll", function () {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () { pending = false; mark(); });
      }, { passive: true });
      dots.forEach(function (d, j) {
        d.addEventListener("click", function (e) {
          e.preventDefault();
          strip.scrollTo({ left: j * strip.clientWidth, behavior: "smooth" });
        });
      });
    });

    // Only one "⋯" menu or share box open at a time.
    all(root, "details.menu, details.share-box").forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (!d.open) return;
        document.querySelectorAll("details.menu[open], details.share-box[open]").forEach(function (o) {
          if (o !== d) o.open = false;
        });
      });
    });
  }
  enhance(document);

  // Close open menus when tapping elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open], details.share-box[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });

  // Infinite scroll: when the "More" link comes into view, fetch the next page's items and append them.
  function watchMore(link) {
    if (!("IntersectionObserver" in window) || !window.fetch || !window.DOMParser) return;
    var list = link.closest("[data-list]");
    if (!list) return;
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (en) { return en.isIntersecting; })) return;
      observer.disconnect();
      var nav = link.closest("[data-more-nav]");
      link.classList.add("loading");
      var url = link.getAttribute("href");
      url += (url.indexOf("?") >= 0 ? "&" : "?") + "partial=1";
      fetch(url, { credentials: "same-origin" }).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.text();
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var items = doc.querySelector("[data-items]");
        var target = list.querySelector("[data-items]");
        if (items && target) {
          Array.prototype.slice.call(items.children).forEach(function (child) {
            var node = document.importNode(child, true);
            target.appendChild(node);
            enhance(node);
          });
        }
        var next = doc.querySelector("[data-more-nav]");
        if (next) {
          var imported = document.importNode(next, true);
          nav.replaceWith(imported);
          var a = imported.querySelector("[data-more]");
          if (a) watchMore(a);
        } else {
          nav.remove();
        }
      }).catch(function () {
        // Leave the plain link in place: tapping it still loads the next page.
        link.classList.remove("loading");
      });
    }, { rootMargin: "600px 0px" });
    observer.observe(link);
  }
  document.querySelectorAll("[data-more]").forEach(watchMore);

  // Compose page: one alt-text field per chosen photo, each with a thumbnail; live caption counter.
  var compose = document.querySelector("form[data-compose]");
  if (compose) {
    var fileInput = compose.querySelector("input[type=file]");
    var altList = compose.querySelector("[data-alt-list]");
    var label = altList ? altList.getAttribute("data-photo-label") || "%{n}" : "%{n}";
    if (fileInput && altList && window.URL && URL.createObjectURL) {
      // The drop zone above is the button; thumbnails below show what was picked. The browser's own
      // "Choose files / No file chosen" (in the browser's language, not the page's) is hidden.
      fileInput.classList.add("enhanced");
      fileInput.addEventListener("change", function () {
        var old = {};
        altList.querySelectorAll("input[name=alt_text]").forEach(function (inp, i) { old[i] = inp.value; });
        altList.querySelectorAll("img[data-preview]").forEach(function (img) { URL.revokeObjectURL(img.src); });
        altList.textContent = "";
        Array.prototype.slice.call(fileInput.files || []).forEach(function (file, i) {
          var row = document.createElement("div");
          row.className = "alt-row with-thumb";
          var img = document.createElement("img");
          img.setAttribute("data-preview", "");
          img.alt = "";
          img.width = 56;
          img.height = 56;
          img.src = URL.createObjectURL(file);
          var id = "alt-" + (i + 1);
          var lab = document.createElement("label");
          lab.htmlFor = id;
          lab.textContent = label.replace("%{n}", String(i + 1));
          var inp = document.createElement("input");
          inp.id = id;
          inp.name = "alt_text";
          inp.maxLength = 500;
          inp.value = old[i] || "";
          var col = document.createElement("div");
          col.className = "alt-col";
          col.appendChild(lab);
          col.appendChild(inp);
          row.appendChild(img);
          row.appendChild(col);
          altList.appendChild(row);
        });
        var picked = compose.querySelector("[data-picked]");
        if (picked) picked.textContent = fileInput.files && fileInput.files.length ? String(fileInput.files.length) : "";
      });
    }
  }
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) return;
    var max = parseInt(out.getAttribute("data-max"), 10) || 0;
    function update() {
      var n = Array.from(area.value).length;
      out.textContent = n + " / " + max;
      out.classList.toggle("over", n > max);
    }
    area.addEventListener("input", update);
    update();
  });
  // Stream A — product variant picker: choosing an option value reloads the page for that variant (the
  // "Choose" button does the same without JavaScript).
  document.querySelectorAll("form[data-variant-picker]").forEach(function (form) {
    var submit = form.querySelector("[data-picker-submit]");
    if (submit) submit.hidden = true;
    form.addEventListener("change", function () {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  });

  // Stream A — branding editor live preview: colour and font pickers set the same CSS custom properties
  // the shop's theme stylesheet does, through the CSSOM (allowed by the CSP, unlike style attributes).
  document.querySelectorAll("form[data-branding]").forEach(function (form) {
    var preview = document.querySelector("[data-theme-preview]");
    if (!preview) return;
    function hexToRgb(h) {
      var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(h || "");
      return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
    }
    function luminance(rgb) {
      var c = rgb.map(function (v) {
        v = v / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
    function readable(hex) {
      var rgb = hexToRgb(hex);
      if (!rgb) return "#111111";
      var l = luminance(rgb);
      return (1.05 / (l + 0.05)) > ((l + 0.05) / (0.0056 + 0.05)) ? "#ffffff" : "#111111";
    }
    form.querySelectorAll("input[data-theme-var]").forEach(function (input) {
      function apply() {
        var name = input.getAttribute("data-theme-var");
        preview.style.setProperty(name, input.value);
        if (name === "--accent") preview.style.setProperty("--accent-ink", readable(input.value));
        if (name === "--shop-bg") preview.style.setProperty("--shop-ink", readable(input.value));
      }
      input.addEventListener("input", apply);
    });
    var font = form.querySelector("select[data-theme-font]");
    if (font) {
      font.addEventListener("change", function () {
        var opt = font.options[font.selectedIndex];
        if (opt) preview.style.setProperty("--font", opt.getAttribute("data-stack"));
      });
    }
  });

  // Shoppable posts. The bag badge shows every tag's name and price; the first tap on a tag shows its
  // label, the second opens the product sheet over the feed. Without this script a tag is a plain link
  // to the product page.
  var sheet = null;
  function openSheet() {
    if (!sheet) {
      sheet = document.createElement("dialog");
      sheet.className = "sheet";
      sheet.addEventListener("click", function (e) {
        if (e.target === sheet || e.target.closest("[data-sheet-close]")) sheet.close();
      });
      document.body.appendChild(sheet);
    }
    if (!sheet.open) {
      if (sheet.showModal) sheet.showModal(); else sheet.setAttribute("open", "");
    }
    return sheet;
  }
  function fillSheet(html) {
    var s = openSheet();
    s.innerHTML = html;
    // The dialog is named by its content's title, already in the reader's language.
    var title = s.querySelector(".sheet-title");
    if (title) {
      if (!title.id) title.id = "sheet-title";
      s.setAttribute("aria-labelledby", title.id);
    }
    // Choosing a size reloads the sheet by itself, so its no-JS "Choose" button goes.
    var picker = s.querySelector("[data-picker-submit]");
    if (picker) picker.remove();
    var focusable = s.querySelector("h2, button, a");
    if (focusable && focusable.tagName === "H2") focusable.setAttribute("tabindex", "-1");
    if (focusable) focusable.focus({ preventScroll: true });
  }
  function loadSheet(url, init) {
    var s = openSheet();
    var body = s.querySelector("[data-sheet-body], [data-checkout]");
    if (body) body.classList.add("loading");
    init = init || {};
    init.credentials = "same-origin";
    init.headers = Object.assign({ "X-Souk-Fragment": "1" }, init.headers || {});
    return fetch(url, init).then(function (res) {
      if (res.redirected && !/\/(t\/\d+\/sheet|checkout\/)/.test(new URL(res.url).pathname)) {
        // A login page or the order page: follow it as a normal navigation.
        window.location.href = res.url;
        return null;
      }
      return res.text();
    }).then(function (html) {
      if (html !== null) fillSheet(html);
    }).catch(function () {
      window.location.href = url.replace(/([?&])sheet=1&?/, "$1");
    });
  }
  function withSheetParam(url) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "sheet=1";
  }
  document.addEventListener("click", function (e) {
    var badge = e.target.closest("[data-show-tags]");
    if (badge) {
      var car = badge.closest(".carousel");
      var on = !car.classList.contains("tags-on");
      car.classList.toggle("tags-on", on);
      badge.setAttribute("aria-pressed", on ? "true" : "false");
      return;
    }
    var dot = e.target.closest("a.tag-dot[data-tag]");
    if (dot && window.fetch && window.HTMLDialogElement) {
      e.preventDefault();
      var carousel = dot.closest(".carousel");
      var shown = dot.classList.contains("open") || (carousel && carousel.classList.contains("tags-on"));
      document.querySelectorAll("a.tag-dot.open").forEach(function (d) { if (d !== dot) d.classList.remove("open"); });
      if (!shown) {
        dot.classList.add("open");
        return;
      }
      var id = dot.getAttribute("data-tag");
      // Attribution: a tap that opens the sheet counts as a click on the tag.
      fetch("/api/v1/tags/" + id + "/click", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
      }).catch(function () {});
      loadSheet("/t/" + id + "/sheet");
      return;
    }
    if (sheet && sheet.contains(e.target)) {
      var buy = e.target.closest("a[data-sheet-buy]");
      if (buy) {
        e.preventDefault();
        if (!sheet.querySelector("[data-logged-in]")) { window.location.href = buy.getAttribute("href"); return; }
        var qty = sheet.querySelector("[data-sheet-qty]");
        var href = buy.getAttribute("href").replace(/qty=\d+/, "qty=" + (qty ? Math.max(1, parseInt(qty.value, 10) || 1) : 1));
        loadSheet(withSheetParam(href));
      }
    }
  });
  document.addEventListener("change", function (e) {
    if (!sheet || !sheet.contains(e.target)) return;
    var form = e.target.closest("form[data-sheet-picker]");
    if (!form) return;
    var params = new URLSearchParams(new FormData(form));
    loadSheet(form.getAttribute("action") + "?" + params.toString());
  });
  document.addEventListener("submit", function (e) {
    if (!sheet || !sheet.contains(e.target)) return;
    var form = e.target;
    if (form.matches("[data-sheet-cart]")) {
      if (!csrf || !sheet.querySelector("[data-logged-in]")) return;
      e.preventDefault();
      var notice = sheet.querySelector("[data-sheet-notice]");
      var data = new FormData(form);
      fetch("/api/v1/cart/items", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ variant_id: parseInt(data.get("variant_id"), 10), quantity: parseInt(data.get("quantity"), 10) || 1 })
      }).then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      }).then(function (r) {
        if (!notice) return;
        notice.hidden = false;
        notice.classList.toggle("error", !r.ok);
        notice.textContent = r.ok ? (form.getAttribute("data-added") || "✓") : (r.body.message || "Error");
        var badge = document.querySelector("[data-cart-count]");
        if (r.ok && badge && typeof r.body.item_count === "number") badge.textContent = String(r.body.item_count);
      }).catch(function () { form.submit(); });
      return;
    }
    if (form.matches(".ship-to, .checkout-form") && form.closest("[data-in-sheet]")) {
      e.preventDefault();
      var params = new URLSearchParams(new FormData(form));
      if (form.method.toLowerCase() === "get") {
        loadSheet(form.getAttribute("action") + "?" + params.toString());
      } else {
        var button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        loadSheet(form.getAttribute("action"), {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: params.toString()
        });
      }
    }
  });

  // Tag editor: a tap on a photo picks the tag's place (the percent fields still work by hand).
  document.querySelectorAll("[data-tag-canvas]").forEach(function (canvas) {
    var form = document.querySelector("form[data-tag-form]");
    if (!form) return;
    canvas.addEventListener("click", function (e) {
      var rect = canvas.getBoundingClientRect();
      var x = Math.round(((e.clientX - rect.left) / rect.width) * 1000) / 10;
      var y = Math.round(((e.clientY - rect.top) / rect.height) * 1000) / 10;
      form.querySelector("[data-tag-x]").value = String(Math.min(100, Math.max(0, x)));
      form.querySelector("[data-tag-y]").value = String(Math.min(100, Math.max(0, y)));
      form.querySelector("[data-tag-image]").value = canvas.getAttribute("data-tag-canvas");
      document.querySelectorAll("[data-pending]").forEach(function (p) { p.hidden = true; });
      var pending = canvas.querySelector("[data-pending]");
      if (pending) {
        pending.className = "tag-dot pending tx-" + Math.round(x) + " ty-" + Math.round(y);
        pending.hidden = false;
      }
      var product = form.querySelector("select[name=product_id]");
      if (product) product.focus();
    });
  });
})();
