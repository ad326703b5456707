// The advisor pages stay current without reloading: every element with data-poll="<url>"
// gets that URL's HTML every second (new messages, the list, the notification badge).
(function () {
  "use strict";
  var INTERVAL_MS = 1000;

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  }

  function refresh(element) {
    return fetch(element.dataset.poll, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname === "/login") {
          window.location.assign("/login");
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html === element.dataset.lastHtml) return;
        var stick = element.hasAttribute("data-stick-bottom") && nearBottom();
        element.innerHTML = html;
        element.dataset.lastHtml = html;
        if (stick) window.scrollTo(0, document.body.scrollHeight);
      })
      .catch(function () { /* the network hiccuped: the next round tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(function (element) {
      refresh(element);
      window.setInterval(function () { refresh(element); }, INTERVAL_MS);
    });
    var history = document.getElementById("history");
    if (history) window.scrollTo(0, document.body.scrollHeight);
  });
})();
