// The packing note's "Print" button (no inline scripts: the pages' policy forbids them).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});
