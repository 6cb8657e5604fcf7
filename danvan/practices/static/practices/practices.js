// "Dân vận khéo" pages: charts from the JSON the server wrote, the print button, self-submitting filters.
(function () {
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-echarts]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-echarts"));
      if (!source || el.getAttribute("data-drawn")) { return; }
      var chart = window.echarts.init(el);
      var option = JSON.parse(source.textContent);
      chart.setOption(window.dvLocaliseChart ? window.dvLocaliseChart(option) : option);
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });
})();
