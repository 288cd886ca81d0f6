// Get Started: narrow the target markets and business categories as the partner picks.
// Progressive enhancement: without JavaScript the page is one plain form, "Update choices"
// asks the server for the same narrowing, and the server checks every submit anyway.
(() => {
  const form = document.getElementById("get-started-form");
  if (!form) return;
  const region = form.querySelector("select[name=region]");
  const markets = [...form.querySelectorAll('[data-choices="markets"] .choice')];
  const categories = [...form.querySelectorAll('[data-choices="categories"] .choice')];
  const empty = document.getElementById("no-categories");
  const box = (choice) => choice.querySelector("input[type=checkbox]");
  const words = (value) => (value || "").split(" ").filter(Boolean);

  for (const element of form.querySelectorAll("[data-without-js]")) element.hidden = true;

  // On load, an option the server kept checked stays visible (its error shows beside it);
  // after a change, an option ruled out is hidden and unticked.
  function show(choice, ok, changed) {
    const keep = ok || (!changed && box(choice).checked);
    choice.hidden = !keep;
    if (!keep) box(choice).checked = false;
    return keep;
  }

  function narrowMarkets(changed) {
    const picked = region ? region.value : "";
    for (const choice of markets) show(choice, !picked || words(choice.dataset.regions).includes(picked), changed);
  }

  function narrowCategories(changed) {
    const picked = region ? region.value : "";
    let chosen = markets.filter((c) => !c.hidden && box(c).checked);
    if (!chosen.length) chosen = markets.filter((c) => !c.hidden);
    const wanted = chosen.map((c) => `${picked}:${box(c).value}`);
    let shown = 0;
    for (const choice of categories) {
      const pairs = words(choice.dataset.pairs);
      if (show(choice, !picked || wanted.some((pair) => pairs.includes(pair)), changed)) shown += 1;
    }
    if (empty) empty.hidden = shown > 0;
  }

  region?.addEventListener("change", () => {
    narrowMarkets(true);
    narrowCategories(true);
  });
  for (const choice of markets) box(choice).addEventListener("change", () => narrowCategories(true));
  narrowMarkets(false);
  narrowCategories(false);
})();
