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

// Phones: the header's menu button opens and closes the menu (a link to it without script).
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const header = document.querySelector("header.site");
  if (toggle && header) {
    toggle.setAttribute("role", "button");
    toggle.addEventListener("click", (event) => {
      event.preventDefault();
      const open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
      if (open) header.querySelector(".site-menu a")?.focus();
    });
  }
  // Lists shown as cards on a phone name each value by its column.
  for (const table of document.querySelectorAll("table.list")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!heads.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (heads[i] && !cell.hasAttribute("colspan")) cell.dataset.label = heads[i];
      });
    }
  }
});
