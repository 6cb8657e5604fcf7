// Charts of the activities pages: each <div data-echarts="ID"> is drawn with the ECharts option held in the
// JSON <script id="ID" type="application/json"> the server wrote (no inline script: the CSP forbids it).
(function () {
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-echarts]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-echarts"));
      if (!source || el.getAttribute("data-drawn")) { return; }
      var option = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(window.dvLocaliseChart ? window.dvLocaliseChart(option) : option);
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
  // Filters of the figures pages submit themselves when a choice changes.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });
})();
