// Small conveniences for every dashboard page (no inline scripts, so a strict CSP can apply).
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the site tabs scroll sideways inside their bar: keep the current one in view.
  const current = document.querySelector(".tabs [aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "center" });

  // A field at its maxlength says so: the browser stops typing (or cuts a paste) without a word otherwise.
  for (const input of document.querySelectorAll("input[maxlength], textarea[maxlength]")) {
    const note = document.createElement("p");
    note.className = "limit-note";
    note.setAttribute("role", "status");
    note.hidden = true;
    input.insertAdjacentElement("afterend", note);
    input.addEventListener("input", () => {
      const full = input.value.length >= input.maxLength;
      note.hidden = !full;
      note.textContent = full ? `Limit reached: at most ${input.maxLength} characters. Check nothing was cut off.` : "";
    });
  }
});
