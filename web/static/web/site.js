/* Kommunalhub: the little JavaScript the pages use. Everything works without it; with it,
   search boxes marked data-live-search show results as you type (an HTML fragment from the
   server), announced to screen readers through the status line. */
(function () {
  "use strict";

  function liveSearch(form) {
    var endpoint = form.getAttribute("data-live-search");
    var target = document.getElementById(form.getAttribute("data-live-target"));
    var input = form.querySelector("input[type=search]");
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    if (!endpoint || !target || !input) return;
    var timer = null;
    var latest = 0;

    function show(html, count) {
      target.innerHTML = html;
      if (status) {
        status.textContent = count === null ? "" : (document.documentElement.lang === "en"
          ? count + " results, arrow down to browse"
          : count + " Treffer, mit Pfeil nach unten auswählen");
      }
    }

    function run() {
      var q = input.value.trim();
      if (q.length < 2) { show("", null); return; }
      var ticket = ++latest;
      var url = endpoint + (endpoint.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (ticket !== latest) return;  // an older answer arriving late
          var box = document.createElement("div");
          box.innerHTML = html;
          var results = box.querySelector("[data-count]");
          show(html, results ? parseInt(results.getAttribute("data-count"), 10) : 0);
        })
        .catch(function () { /* the submit button still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = target.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape") {
        show("", null);
      }
    });
    target.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(target.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (i < 0) return;
      if (event.key === "ArrowDown" && i < links.length - 1) { event.preventDefault(); links[i + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
      if (event.key === "Escape") { input.focus(); show("", null); }
    });
  }

  function focusErrors() {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-live-search]"), liveSearch);
    focusErrors();
  });
})();
