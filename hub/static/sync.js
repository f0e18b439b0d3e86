// Live progress of the Product Sync page: polls the status endpoint while a run is active.
// Words come from the server (stage and outcome), so the page and `hub sync status` say the same thing.
(() => {
  const panel = document.getElementById("sync-panel");
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const num = (n) => Number(n).toLocaleString("en-US");
  const dur = (s) => (s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`);
  let wasActive = !$("progress").hidden;

  function render(data) {
    $("stored-count").textContent = num(data.stored);
    const run = data.run;
    if (!run) return;
    const done = run.seen + run.failed;
    $("progress").hidden = !run.active;
    $("cancel-form").hidden = !run.active;
    for (const form of document.querySelectorAll(".start-form")) form.hidden = run.active; // one run at a time
    if (run.active) {
      const bar = $("progress-bar");
      if (run.expected_total) {
        bar.max = run.expected_total;
        bar.value = done;
      } else {
        bar.removeAttribute("value"); // indeterminate until the store says how many
      }
      $("stage-text").textContent = run.cancel_requested ? "Cancelling after the current batch…" : run.stage_label;
      const parts = [];
      if (done || run.expected_total) parts.push(`${num(done)} products read` + (run.expected_total ? ` of ${num(run.expected_total)}` : ""));
      if (run.elapsed_s) parts.push(`running for ${dur(run.elapsed_s)}`);
      if (run.eta_s != null) parts.push(`about ${dur(run.eta_s)} left`);
      if (run.rate_limit_wait_s >= 1) parts.push(`${dur(run.rate_limit_wait_s)} waiting on the store's rate limit`);
      $("progress-text").textContent = parts.join(" · ");
    } else if (wasActive) {
      const outcome = $("outcome");
      outcome.textContent = `${run.state_label}: ${run.outcome}`;
      outcome.className = `outcome ${run.state}`;
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
