// Copy buttons: <button data-copy="input-id" data-copied="Copied" hidden>. Without JavaScript
// the button stays hidden and the value stays in a read-only field the partner can select and
// copy by hand (templates/_copy_field.html).
(() => {
  // A page may load this file twice (its own <script> and the shell's): one listener only.
  if (window.copyButtonsReady) return;
  window.copyButtonsReady = true;

  const reveal = () => {
    document.querySelectorAll("[data-copy][hidden]").forEach((button) => {
      button.hidden = false;
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      document.execCommand("copy");
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
})();
