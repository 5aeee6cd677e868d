// Enhancements only: every page works without this script (the server checks and computes).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Password rules ticked as the user types (the server applies the policy again).
  document.querySelectorAll("ul.regles[data-regles-pour]").forEach((liste) => {
    const champ = document.getElementById(liste.dataset.reglesPour);
    if (!champ) return;
    const min = Number(liste.dataset.longueurMin || "0");
    const tests = {
      longueur: (v) => [...v].length >= min,
      minuscule: (v) => /\p{Ll}/u.test(v),
      majuscule: (v) => /\p{Lu}/u.test(v),
    };
    const maj = () => {
      liste.querySelectorAll("li[data-regle]").forEach((li) => {
        const test = tests[li.dataset.regle];
        if (test) li.classList.toggle("respectee", test(champ.value));
      });
    };
    champ.addEventListener("input", maj);
    maj();
  });
  // The request form's total, live (the server computes it again: "Recalculer le total").
  document.querySelectorAll("form[data-total]").forEach((formulaire) => {
    const sortie = formulaire.querySelector("output[data-total-sortie]");
    const montants = formulaire.querySelectorAll("input[data-montant]");
    if (!sortie) return;
    const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
    const centimes = (texte) => {
      const t = texte.replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
      if (t === "") return 0;
      const trouve = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(t);
      if (!trouve) return NaN;
      return Number(trouve[1]) * 100 + Number((trouve[2] || "").padEnd(2, "0"));
    };
    const maj = () => {
      let total = 0;
      for (const champ of montants) total += centimes(champ.value);
      sortie.textContent = Number.isNaN(total) ? "—" : euros.format(total / 100);
    };
    montants.forEach((champ) => champ.addEventListener("input", maj));
  });
  // The error summary takes the focus so screen readers announce it.
  const resume = document.querySelector(".resume-erreurs");
  if (resume) resume.focus();
});
