// Widget settings page: the "Copy" button puts the embed code on the clipboard.
// Without the Clipboard API (old browsers, insecure origins) it selects the text so Ctrl+C works.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("copy-embed");
  if (!button) return;
  const status = document.getElementById("copy-status");
  const source = document.getElementById(button.dataset.copyTarget);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      status.textContent = "Copied. Paste it in Script Manager (steps below).";
    } catch (e) {
      source.focus();
      source.select();
      status.textContent = "Press Ctrl+C (⌘C on a Mac) to copy the selected code.";
    }
  });
});
