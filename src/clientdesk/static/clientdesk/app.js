// Clientdesk's small behaviours. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("keydown", (event) => {
  const box = document.getElementById("search-suggest");
  if (!box) return;
  // Escape closes the search type-ahead (and puts the focus back in the box).
  if (event.key === "Escape") {
    if (box.contains(document.activeElement)) document.getElementById("search-q")?.focus();
    box.innerHTML = "";
    return;
  }
  // Arrow keys move between the box and the type-ahead's links.
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  if (!event.target.closest || !event.target.closest(".search-box")) return;
  const items = [document.getElementById("search-q"), ...box.querySelectorAll("a")].filter(Boolean);
  if (items.length < 2) return;
  event.preventDefault();
  const at = items.indexOf(document.activeElement);
  const step = event.key === "ArrowDown" ? 1 : -1;
  items[(at + step + items.length) % items.length].focus();
});
document.addEventListener("click", (event) => {
  const box = document.getElementById("search-suggest");
  if (box && !event.target.closest(".search-box")) box.innerHTML = "";
});
