// A matching run's page follows the run while it is queued or running: it asks the API for
// the run (the browser's session answers for the person) every second and shows its status,
// then reloads the page once it has finished, to list the proposals' count and the unmatched.
(function () {
  "use strict";
  var shown = document.getElementById("run-status");
  if (!shown || shown.dataset.finished === "true") { return; }
  var url = shown.dataset.api;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (run) {
        shown.textContent = run.status;
        if (run.status === "succeeded" || run.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
