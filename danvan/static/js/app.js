// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// Numbers as Vietnamese writes them (1.234.567; 12,5) for the charts' value axes and tooltips.
window.dvNumber = function (value) {
  return typeof value === "number" ? value.toLocaleString("vi-VN") : value;
};
