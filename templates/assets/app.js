// daicho: the small amount of script the pages need. Pages work without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Put the cursor on the first field the server found fault with.
  const faulty = document.querySelector(".field-error");
  if (faulty) {
    const field = faulty.closest("label")?.querySelector("input, select, textarea");
    field?.focus();
  }
  // Buttons that change something irreversible ask first.
  for (const el of document.querySelectorAll("[data-confirm]")) {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  }
});
