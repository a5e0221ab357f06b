/* The dashboard refreshes its figures itself (templates/admin/index.html, mabos/dashboard/).
 *
 * Every data-refresh-seconds it fetches the page again (same origin, the session's cookie) and swaps the new
 * #mabos-dashboard in for the old one, so the figures, the relative dates and the approvals' CSRF tokens are
 * current. A full reload would lose the scroll position and flash; a meta refresh would also lose what a
 * person is typing. So a refresh is skipped while a person uses a form in the dashboard: focus in a field or
 * on a button, or a key or pointer press in a form in the last few seconds. It is also skipped while the tab
 * is hidden, and stops when the session has ended (the answer is the login page). A same-origin static file:
 * the CSP (default-src 'self') refuses inline scripts.
 */
(function () {
  "use strict";
  var IDLE_MS = 5000;  // how long after a key or pointer press in a form the dashboard stays as it is
  var root = document.getElementById("mabos-dashboard");
  if (!root || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(root.getAttribute("data-refresh-seconds"), 10);
  if (!(seconds > 0)) return;
  var lastUse = 0;
  var busy = false;

  function inForm(element) {
    return !!(element && element.closest && element.closest("form, input, select, textarea, button"));
  }
  function markUse(event) {
    if (inForm(event.target)) lastUse = Date.now();
  }
  document.addEventListener("keydown", markUse, true);
  document.addEventListener("pointerdown", markUse, true);
  document.addEventListener("input", markUse, true);

  function personIsUsingAForm() {
    var current = document.getElementById("mabos-dashboard");
    var active = document.activeElement;
    if (active && active !== document.body && current && current.contains(active) && inForm(active)) return true;
    return Date.now() - lastUse < IDLE_MS;
  }

  function refresh() {
    if (busy || document.hidden || personIsUsingAForm()) return;
    busy = true;
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}, cache: "no-store"})
      .then(function (response) {
        if (!response.ok) throw new Error("the dashboard answered " + response.status);
        return response.text().then(function (text) { return {text: text, url: response.url}; });
      })
      .then(function (answer) {
        var page = new DOMParser().parseFromString(answer.text, "text/html");
        var fresh = page.getElementById("mabos-dashboard");
        if (!fresh) {  // the session ended: the answer is the login page; stop asking
          window.clearInterval(timer);
          return;
        }
        if (personIsUsingAForm()) return;  // a person started while the page was on its way
        var current = document.getElementById("mabos-dashboard");
        current.replaceWith(document.importNode(fresh, true));
        document.documentElement.setAttribute("data-mabos-refreshed", String(Date.now()));
      })
      .catch(function () { /* the next tick tries again; the page shows the last figures meanwhile */ })
      .then(function () { busy = false; });
  }

  var timer = window.setInterval(refresh, seconds * 1000);
})();
