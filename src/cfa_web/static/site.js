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
  // The error summary takes the focus so screen readers announce it.
  const resume = document.querySelector(".resume-erreurs");
  if (resume) resume.focus();
});
