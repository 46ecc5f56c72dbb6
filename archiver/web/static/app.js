// Progressive enhancement only: every page works without this file.
// Selecting text inside a comment fills that comment's "mark personal data" form and opens it.
document.addEventListener("mouseup", function () {
  var selection = window.getSelection();
  if (!selection || selection.isCollapsed) { return; }
  var node = selection.anchorNode && selection.anchorNode.parentElement;
  var text = node && node.closest("[data-entry]");
  if (!text) { return; }
  var input = document.querySelector('input[data-selection-for="' + CSS.escape(text.getAttribute("data-entry")) + '"]');
  if (!input) { return; }
  input.value = selection.toString();
  var details = input.closest("details");
  if (details) { details.open = true; }
});
