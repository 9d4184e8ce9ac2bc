// Behaviour of the HTML report and the web UI. Everything works without
// it; it adds a theme switch, expanding and collapsing every summary,
// opening the summary a link points at, expanding everything to print,
// and selecting an alert's column in the incidence grid, which highlights
// the alert in the graph.
// It uses no inline script or style and no network, and listens on the
// document, so fragments added later (the web UI's steps) work too.
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  var themes = ["auto", "dark", "light"];
  var key = "triage-theme";

  root.classList.add("js");

  function storedTheme() {
    try {
      return window.localStorage.getItem(key) || "";
    } catch (e) {
      return "";
    }
  }

  function setTheme(t, store) {
    if (t === "dark" || t === "light") {
      root.setAttribute("data-theme", t);
    } else {
      t = "auto";
      root.removeAttribute("data-theme");
    }
    if (store) {
      try {
        window.localStorage.setItem(key, t);
      } catch (e) {
        // Storage may be off (a file opened with strict settings): the
        // choice then lasts as long as the page.
      }
    }
    var buttons = doc.querySelectorAll("[data-action=theme]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].textContent = "Theme: " + t;
    }
  }

  function currentTheme() {
    var t = root.getAttribute("data-theme");
    return t === "dark" || t === "light" ? t : "auto";
  }

  // A theme the page was served with wins over the stored one.
  if (!root.hasAttribute("data-theme")) {
    setTheme(storedTheme(), false);
  } else {
    setTheme(currentTheme(), false);
  }

  function summaries() {
    return doc.querySelectorAll("details.summary");
  }

  // openTarget opens every <details> around the element the fragment
  // names, so that following a link to a summary shows it.
  function openTarget(hash) {
    if (!hash || hash.length < 2) {
      return;
    }
    var id;
    try {
      id = decodeURIComponent(hash.slice(1));
    } catch (e) {
      return;
    }
    var el = doc.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") {
        p.open = true;
      }
    }
  }

  doc.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) {
      return;
    }
    var action = t.closest("[data-action]");
    if (action) {
      var a = action.getAttribute("data-action");
      var list, i;
      if (a === "theme") {
        setTheme(themes[(themes.indexOf(currentTheme()) + 1) % themes.length], true);
      } else if (a === "expand" || a === "collapse") {
        list = summaries();
        for (i = 0; i < list.length; i++) {
          list[i].open = a === "expand";
        }
      }
      return;
    }
    var col = t.closest("table.grid-table th.g-a[data-c]");
    if (col) {
      // With script, a column's header selects the column and shows its
      // alert in the graph; without, it links to the alert's row.
      ev.preventDefault();
      selectColumn(col);
      return;
    }
    var link = t.closest("a[href^='#']");
    if (link) {
      openTarget(link.getAttribute("href"));
    }
  });

  // selectColumn marks the grid's column of one alert (th.g-a, its
  // data-c the column, its data-k the alert's anchor) and asks the graph
  // to highlight that alert and its entities (chart.js listens for
  // "triage:highlight" on the graph); null clears both.
  function selectColumn(th) {
    var old = doc.querySelectorAll("table.grid-table .g-sel");
    for (var i = 0; i < old.length; i++) {
      old[i].classList.remove("g-sel");
    }
    var key = null;
    if (th) {
      var c = th.getAttribute("data-c");
      key = th.getAttribute("data-k");
      if (!/^[0-9]+$/.test(c) || !/^[a-z0-9-]+$/.test(key || "")) {
        return;
      }
      var cells = doc.querySelectorAll('table.grid-table [data-c="' + c + '"]');
      for (var j = 0; j < cells.length; j++) {
        cells[j].classList.add("g-sel");
      }
    }
    var graphs = doc.querySelectorAll("svg.chart-graph");
    for (var k = 0; k < graphs.length; k++) {
      graphs[k].dispatchEvent(new CustomEvent("triage:highlight", { detail: key }));
    }
  }

  doc.addEventListener("focusin", function (ev) {
    var t = ev.target;
    var col = t instanceof Element ? t.closest("table.grid-table th.g-a[data-c]") : null;
    if (col) {
      selectColumn(col);
    }
  });
  doc.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && doc.querySelector("table.grid-table .g-sel")) {
      selectColumn(null);
    }
  });

  window.addEventListener("hashchange", function () {
    openTarget(window.location.hash);
  });
  openTarget(window.location.hash);

  // Printing shows every summary, then puts them back as they were. The
  // print stylesheet does the same where the browser supports
  // ::details-content.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    var list = doc.querySelectorAll("details:not([open])");
    closed = [];
    for (var i = 0; i < list.length; i++) {
      closed.push(list[i]);
      list[i].open = true;
    }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < closed.length; i++) {
      closed[i].open = false;
    }
    closed = [];
  });
})();
