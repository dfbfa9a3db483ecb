// daicho: the small amount of script the pages need. Pages work without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  markFieldsInError();
  showNotice();
  showWhenChosen();
  focusFirstField();
  for (const el of document.querySelectorAll("[data-print]")) {
    el.addEventListener("click", () => window.print());
  }
  // Buttons that change something irreversible ask first.
  for (const el of document.querySelectorAll("[data-confirm]")) {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  }
});

// Each field the server found fault with says so to assistive technology
// (aria-invalid, its message as the description); the cursor goes to the first.
function markFieldsInError() {
  let first = null;
  let n = 0;
  for (const message of document.querySelectorAll(".field-error")) {
    const field = message.closest("label")?.querySelector("input, select, textarea");
    if (!field) continue;
    message.id ||= `field-error-${++n}`;
    field.setAttribute("aria-invalid", "true");
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(message.id)) described.push(message.id);
    field.setAttribute("aria-describedby", described.join(" "));
    first ||= field;
  }
  first?.focus();
}

// What the last action did (set by the server with the redirect): shown in
// the page's status region, which announces it, then forgotten.
function showNotice() {
  const region = document.getElementById("notice");
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("daicho_notice="));
  if (!region || !cookie) return;
  document.cookie = "daicho_notice=; Path=/; Max-Age=0; SameSite=Strict";
  let text;
  try {
    text = decodeURIComponent(cookie.slice("daicho_notice=".length));
  } catch {
    return;
  }
  if (!text) return;
  region.hidden = false;
  // Filled after load, so that screen readers announce it.
  requestAnimationFrame(() => { region.textContent = text; });
}

// The first field of the page's form takes the cursor, so that typing can
// start at once; not when something has it already (a field at fault, the
// scan field). A form that is the page's purpose (nothing but headings and
// messages before it) has its field brought into view; any other form's field
// is focused only when it is on the first screen, so that a detail page does
// not jump to the form at its end.
function focusFirstField() {
  if (document.activeElement && document.activeElement !== document.body) return;
  for (const form of document.querySelectorAll("main form")) {
    if (form.classList.contains("filters") || form.dataset.nofocus !== undefined) continue;
    const field = [...form.querySelectorAll("input, select, textarea")].find((f) =>
      f.type !== "hidden" && !f.disabled && !f.readOnly && f.offsetParent !== null);
    if (!field) continue;
    const onScreen = field.getBoundingClientRect().bottom <= window.innerHeight;
    if (onScreen || leadsThePage(form)) {
      field.focus({ preventScroll: true });
      if (!onScreen) field.scrollIntoView({ block: "center" });
    }
    return;
  }
}

function leadsThePage(form) {
  for (let el = form; el && el.tagName !== "MAIN"; el = el.parentElement) {
    for (let before = el.previousElementSibling; before; before = before.previousElementSibling) {
      if (!["H1", "H2", "P"].includes(before.tagName) && !before.hidden) return false;
    }
  }
  return true;
}

// Fields that belong to one choice (a visitor's name when 来訪者 is chosen)
// show only with it. Without script they all stay visible.
function showWhenChosen() {
  for (const part of document.querySelectorAll("[data-shown-when]")) {
    const [name, value] = part.dataset.shownWhen.split("=");
    const form = part.closest("form");
    const update = () => {
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      part.hidden = !chosen || chosen.value !== value;
    };
    for (const input of form.querySelectorAll(`input[name="${name}"]`)) input.addEventListener("change", update);
    update();
  }
}
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
