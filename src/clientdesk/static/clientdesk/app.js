// Clientdesk's small behaviours. No inline scripts: the Content-Security-Policy forbids them.
// The search type-ahead (#search-suggest) is filled by htmx as the staff member types; it is hidden,
// not emptied, when they leave it, and shown again when they come back to the search box.
const suggest = () => document.getElementById("search-suggest");
const searchBox = () => document.getElementById("search-q");

const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

document.addEventListener("keydown", (event) => {
  // "/" jumps to the search box from anywhere but a field being typed in.
  if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
    const q = searchBox();
    if (q) {
      event.preventDefault();
      q.focus();
      q.select();
    }
    return;
  }
  const box = suggest();
  if (!box) return;
  // Escape closes the type-ahead (and puts the focus back in the search box).
  if (event.key === "Escape") {
    if (box.contains(document.activeElement)) searchBox()?.focus();
    box.hidden = true;
    return;
  }
  // Arrow keys move between the search box and the type-ahead's links.
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  if (!event.target.closest || !event.target.closest(".search-box")) return;
  const items = [searchBox(), ...box.querySelectorAll("a")].filter(Boolean);
  if (items.length < 2) return;
  event.preventDefault();
  box.hidden = false;
  const at = items.indexOf(document.activeElement);
  const step = event.key === "ArrowDown" ? 1 : -1;
  items[(at + step + items.length) % items.length].focus();
});
document.addEventListener("click", (event) => {
  const box = suggest();
  if (box && !event.target.closest(".search-box")) box.hidden = true;
});
document.addEventListener("focusin", (event) => {
  const box = suggest();
  if (box && event.target === searchBox()) box.hidden = false;
});
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target === suggest()) event.target.hidden = false;
});
// "Add another number" swaps the phone rows: the new (last) row's number gets the focus.
document.addEventListener("htmx:afterSettle", (event) => {
  const rows = document.getElementById("phones");
  const origin = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!rows || !origin || origin.name !== "add_phone") return;
  const numbers = rows.querySelectorAll(".phone-row input[name$='-number']");
  if (numbers.length) numbers[numbers.length - 1].focus();
});
