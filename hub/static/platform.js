// Changing the platform dropdown re-renders the form with that platform's fields.
// Without JavaScript the "Show fields" button does the same, so this is only a convenience.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    const button = document.getElementById("choose-platform");
    if (button) button.hidden = true;
    select.addEventListener("change", () => {
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = select.dataset.autosubmit;
      select.form.appendChild(action);
      select.form.submit();
    });
  }
});
