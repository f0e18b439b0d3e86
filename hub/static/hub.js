// Small conveniences for every dashboard page (no inline scripts, so a strict CSP can apply).
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the site tabs scroll sideways inside their bar: keep the current one in view.
  const current = document.querySelector(".tabs [aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
});
