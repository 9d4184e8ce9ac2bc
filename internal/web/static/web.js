// The web UI's behaviour. Every page works without it; with it, the theme
// can be switched, selects marked data-autosubmit submit their form, and
// the incident page shows each triage step as it completes (server-sent
// events). Fragments from the server are rendered and escaped by its
// templates; nothing here builds HTML from data.
"use strict";

(function () {
  var root = document.documentElement;
  var themeKey = "triage-theme";

  function storedTheme() {
    try {
      var t = window.localStorage.getItem(themeKey);
      return t === "light" || t === "dark" ? t : "";
    } catch (e) {
      return "";
    }
  }

  function applyTheme(t) {
    if (t) {
      root.setAttribute("data-theme", t);
    } else {
      root.removeAttribute("data-theme");
    }
  }

  // Before the first paint: the remembered theme, and the class that hides
  // what only matters without script.
  applyTheme(storedTheme());
  root.classList.add("js");

  function setupTheme() {
    var btn = document.getElementById("theme-toggle");
    if (!btn) {
      return;
    }
    var names = { "": "follows the system", light: "light", dark: "dark" };
    var icons = { "": "◐", light: "☀", dark: "☾" };
    function show(t) {
      btn.setAttribute("aria-label", "Colour theme: " + names[t] + ". Switch.");
      btn.title = "Theme: " + names[t];
      btn.firstElementChild.textContent = icons[t];
    }
    show(storedTheme());
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var next = { "": "light", light: "dark", dark: "" }[storedTheme()];
      try {
        if (next) {
          window.localStorage.setItem(themeKey, next);
        } else {
          window.localStorage.removeItem(themeKey);
        }
      } catch (e) {
        // Storage refused: the choice lasts for this page only.
      }
      applyTheme(next);
      show(next);
    });
  }

  function setupAutosubmit() {
    var sels = document.querySelectorAll("select[data-autosubmit]");
    Array.prototype.forEach.call(sels, function (sel) {
      sel.addEventListener("change", function () {
        if (sel.form) {
          sel.form.submit();
        }
      });
    });
  }

  // The queue's custom window: its two fields show only when chosen.
  function setupWindow() {
    var sel = document.getElementById("f-window");
    if (!sel || !sel.form) {
      return;
    }
    function sync() {
      sel.form.classList.toggle("custom", sel.value === "custom");
    }
    sel.addEventListener("change", sync);
    sync();
  }

  // The update form offers only the reasons that go with the chosen
  // classification (the server checks it again).
  function setupReasons() {
    var cls = document.getElementById("u-classification");
    var reason = document.getElementById("u-reason");
    if (!cls || !reason) {
      return;
    }
    function sync() {
      Array.prototype.forEach.call(reason.options, function (o) {
        var f = o.getAttribute("data-for");
        o.hidden = !!(f && cls.value && f !== cls.value);
        if (o.hidden && o.selected) {
          reason.value = "";
        }
      });
    }
    cls.addEventListener("change", sync);
    sync();
  }

  // The incident page: follow the triage until it completes.
  function setupTriage() {
    var main = document.getElementById("triage");
    if (!main || main.getAttribute("data-state") !== "running" || !window.EventSource) {
      return;
    }
    var url = main.getAttribute("data-events");
    var bar = document.getElementById("progress-bar");
    var text = document.getElementById("progress-text");
    var total = bar ? Number(bar.max) : 6;
    var done = bar ? Number(bar.value) : 0;
    var seen = {};

    function setStatus(el, status) {
      if (!el) {
        return;
      }
      el.setAttribute("data-status", status);
      var chip = el.querySelector("[data-role=status]");
      if (chip) {
        chip.textContent = status;
        chip.className = "status st-" + status.replace(/[^a-z_]/g, "");
      }
    }

    var es = new EventSource(url);
    es.addEventListener("section", function (ev) {
      var d = JSON.parse(ev.data);
      var box = document.getElementById("step-" + d.slug);
      if (box) {
        box.setAttribute("data-status", d.status);
        // Server-rendered by html/template: its values are escaped.
        box.innerHTML = d.html;
        document.dispatchEvent(new CustomEvent("triage:fragment", { detail: box }));
      }
      setStatus(document.querySelector('.step-list li[data-step="' + d.slug + '"]'), d.status);
      if (d.verdict) {
        var badge = document.querySelector('#verdict-line [data-role=verdict]');
        var explain = document.querySelector('#verdict-line [data-role=explain]');
        if (badge) {
          badge.textContent = d.verdict.severity;
          badge.className = "badge ti " + d.verdict["class"].replace(/[^a-z-]/g, "");
        }
        if (explain) {
          explain.textContent = d.verdict.explanation;
          explain.classList.remove("muted");
        }
      }
      if (!seen[d.slug]) {
        seen[d.slug] = true;
        if (box && box.getAttribute("data-done") !== "1") {
          done = Math.min(total, done + 1);
        }
        if (box) {
          box.setAttribute("data-done", "1");
        }
      }
      if (bar) {
        bar.value = done;
        bar.textContent = done + " of " + total;
      }
      if (text) {
        text.textContent = "Running: " + done + " of " + total + " steps done.";
      }
    });
    es.addEventListener("done", function (ev) {
      es.close();
      var d = {};
      try {
        d = JSON.parse(ev.data);
      } catch (e) {
        d = {};
      }
      main.setAttribute("data-state", "done");
      if (text) {
        text.textContent = d.error ? "Stopped: " + d.error : "Complete: " + total + " of " + total + " steps.";
      }
      if (bar && !d.error) {
        bar.value = total;
      }
      // Server-rendered by html/template, as the sections are.
      var prio = document.querySelector('#outcome [data-role=priority]');
      if (prio && !d.error) {
        prio.innerHTML = d.priority || "";
      }
      var since = document.querySelector('#outcome [data-role=since-last]');
      if (since && !d.error) {
        since.innerHTML = d.since_last || "";
      }
      var dl = document.getElementById("downloads");
      if (dl && !d.error) {
        dl.hidden = false;
      }
      var again = document.getElementById("run-again");
      if (again) {
        again.disabled = false;
      }
      Array.prototype.forEach.call(document.querySelectorAll('.tstep[data-status="waiting"]'), function (box) {
        setStatus(box, "error");
        var p = box.querySelector(".placeholder");
        if (p) {
          p.textContent = "The triage stopped before this step.";
        }
      });
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED && text && main.getAttribute("data-state") === "running") {
        text.textContent = "The connection to the server was lost: reload the page to follow the triage.";
      }
    };
  }

  function start() {
    setupTheme();
    setupAutosubmit();
    setupWindow();
    setupReasons();
    setupTriage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
