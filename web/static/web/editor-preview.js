/* Article editor: renders the Markdown preview on the server (the same sanitiser as on
   save) while the author types. Without JavaScript the preview shows the last saved text. */
(function () {
  "use strict";
  function setup(area) {
    var target = document.getElementById(area.getAttribute("data-preview-target"));
    var url = area.getAttribute("data-preview-url");
    var token = area.form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!target || !url || !token) return;
    var timer = null, latest = 0;
    function run() {
      var ticket = ++latest;
      var body = new FormData();
      body.append("body", area.value);
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRFToken": token.value } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && ticket === latest) target.innerHTML = html; })
        .catch(function () {});
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 300); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-preview-url]").forEach(setup);
  });
})();
