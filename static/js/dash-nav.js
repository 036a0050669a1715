// On a phone the dashboard's section menu scrolls sideways: bring the current section into view.
for (const link of document.querySelectorAll(".dash-nav a[aria-current=page]")) {
  const row = link.closest("ul");
  if (row.scrollWidth > row.clientWidth) {
    row.scrollLeft = link.offsetLeft - row.offsetLeft - (row.clientWidth - link.offsetWidth) / 2;
  }
}
