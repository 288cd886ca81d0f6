// Fields shown only for one answer of another field:
// <input data-shown-when="entity-certificate_validity=appointed">. Without JavaScript the
// field stays visible and its help text says when it applies; the server ignores it otherwise.
(() => {
  function update(field) {
    const [name, value] = field.dataset.shownWhen.split("=");
    const chosen = document.querySelector(`[name="${name}"]:checked`);
    const wrapper = field.closest(".field") || field;
    wrapper.hidden = !chosen || chosen.value !== value;
  }

  function updateAll() {
    document.querySelectorAll("[data-shown-when]").forEach(update);
  }

  document.addEventListener("change", (event) => {
    if (event.target.name) updateAll();
  });
  document.addEventListener("DOMContentLoaded", updateAll);
})();
