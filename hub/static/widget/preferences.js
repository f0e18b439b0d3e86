// Search preferences page: the preview re-runs the query with the form's unsaved values as they change.
// Results are written with textContent only.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("search-form");
  const box = document.getElementById("preview-q");
  if (!form || !box) return;
  const list = document.getElementById("preview-results");
  const chips = document.getElementById("preview-chips");
  const status = document.getElementById("preview-status");
  let timer = null;
  let inflight = null;

  async function refresh() {
    const query = box.value.trim();
    if (inflight) inflight.abort();
    if (!query) {
      list.replaceChildren();
      chips.replaceChildren();
      status.textContent = "";
      return;
    }
    inflight = new AbortController();
    const body = new FormData(form);
    body.set("q", query);
    try {
      const resp = await fetch(form.dataset.previewUrl, { method: "POST", body, signal: inflight.signal });
      const data = await resp.json();
      if (!resp.ok) {
        status.textContent = data.error || "The preview failed.";
        return;
      }
      list.replaceChildren(...data.results.map((r) => {
        const item = document.createElement("li");
        item.className = "preview-item";
        item.dataset.productId = r.id;
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = r.name;
        const meta = document.createElement("span");
        meta.className = "muted small";
        meta.textContent = ` · id ${r.id}${r.brand ? ` · ${r.brand}` : ""}${r.price ? ` · ${r.price}` : ""}`;
        item.append(name, meta);
        return item;
      }));
      chips.replaceChildren(...data.chips.map((c) => {
        const item = document.createElement("li");
        item.className = "badge info";
        item.textContent = c.label;
        return item;
      }));
      status.textContent = data.results.length ? `${data.results.length} results` : "No results.";
    } catch (e) {
      if (e.name !== "AbortError") status.textContent = "The preview failed.";
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }
  box.addEventListener("input", later);
  form.addEventListener("input", later);
});
