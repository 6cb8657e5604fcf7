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

// An ECharts option written by the server (JSON, so no functions): its value axes and tooltip get the
// Vietnamese number format, where the option sets none of its own.
window.dvLocaliseChart = function (option) {
  ["xAxis", "yAxis"].forEach(function (key) {
    [].concat(option[key] || []).forEach(function (axis) {
      if (axis.type === "value") {
        axis.axisLabel = axis.axisLabel || {};
        if (!axis.axisLabel.formatter) { axis.axisLabel.formatter = window.dvNumber; }
      }
    });
  });
  if (option.tooltip && !option.tooltip.valueFormatter) { option.tooltip.valueFormatter = window.dvNumber; }
  return option;
};
