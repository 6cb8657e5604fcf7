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

// An export or a document can take a while to prepare: its link shows a spinner and cannot be clicked
// again until the response arrives (the server sets the cookie dv_download_<token>: core.middleware).
document.addEventListener("click", function (event) {
  var link = event.target.closest('a[href*="export="], a[data-download]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
    return;
  }
  event.preventDefault();
  if (link.getAttribute("aria-disabled") === "true") { return; }
  var token = Math.random().toString(36).slice(2, 12).padEnd(8, "0");
  var url = new URL(link.href, window.location.href);
  url.searchParams.set("download_token", token);
  var saved = Array.prototype.slice.call(link.childNodes);
  var spinner = document.createElement("span");
  spinner.className = "spinner-border spinner-border-sm me-1";
  spinner.setAttribute("aria-hidden", "true");
  link.replaceChildren(spinner, document.createTextNode(document.body.dataset.downloadText || "…"));
  link.classList.add("disabled");
  link.setAttribute("aria-disabled", "true");
  var cookie = "dv_download_" + token;
  var started = Date.now();
  var timer = window.setInterval(function () {
    var arrived = document.cookie.split("; ").some(function (c) { return c.indexOf(cookie + "=") === 0; });
    if (arrived || Date.now() - started > 10 * 60 * 1000) {
      window.clearInterval(timer);
      document.cookie = cookie + "=; Max-Age=0; path=/";
      link.replaceChildren.apply(link, saved);
      link.classList.remove("disabled");
      link.removeAttribute("aria-disabled");
    }
  }, 400);
  window.location.href = url.toString();
});
