// Clientdesk's small behaviours. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("keydown", (event) => {
  // Escape closes the search type-ahead.
  if (event.key === "Escape") {
    const box = document.getElementById("search-suggest");
    if (box) box.innerHTML = "";
  }
});
document.addEventListener("click", (event) => {
  const box = document.getElementById("search-suggest");
  if (box && !event.target.closest(".search-box")) box.innerHTML = "";
});
