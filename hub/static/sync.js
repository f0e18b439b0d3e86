// Live progress of the Product Sync page: polls the status endpoint while a run is active.
(() => {
  const panel = document.getElementById("sync-panel");
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const fmt = (s) => (s == null ? "?" : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  let wasActive = !$("progress").hidden;

  function render(data) {
    $("stored-count").textContent = data.stored;
    const run = data.run;
    if (!run) return;
    const done = run.seen + run.failed;
    $("progress").hidden = !run.active;
    $("cancel-form").hidden = !run.active;
    if (run.active) {
      $("progress-bar").max = run.expected_total || Math.max(done, 1);
      $("progress-bar").value = done;
      $("progress-text").textContent =
        `${run.stage}: ${done} of ${run.expected_total ?? "?"} · ${run.rate_per_s}/s · ETA ${fmt(run.eta_s)}` +
        ` · waiting on rate limit ${fmt(run.rate_limit_wait_s)}` + (run.cancel_requested ? " · cancelling…" : "");
    } else if (wasActive) {
      $("outcome").textContent = `Sync ${run.state.replace("_", " ")}: ${run.seen} products` +
        (run.failed ? `, ${run.failed} errors` : "") + (run.error ? `. ${run.error}` : ".");
      // Refresh the history table once the run has ended.
      setTimeout(() => window.location.reload(), 1500);
    }
    wasActive = run.active;
  }

  async function poll() {
    try {
      const resp = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (resp.ok) render(await resp.json());
    } catch (e) { /* transient: try again */ }
    setTimeout(poll, wasActive ? 1000 : 5000);
  }
  poll();
})();
