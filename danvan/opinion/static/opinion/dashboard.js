/* The opinion dashboard's charts (a static file: the CSP forbids inline scripts). Labels come from
 * #dashboard-labels (translated in the template), data from the json_script blocks. */
(function () {
  "use strict";
  const L = document.getElementById("dashboard-labels").dataset;
  const m = JSON.parse(document.getElementById("map-data").textContent);
  if (m.province && window.opinionMap) {
    opinionMap(document.getElementById("commune-map"),
      { province: m.province, values: m.values, label: L.items, drill: L.drill });
  }
  const d = JSON.parse(document.getElementById("chart-data").textContent);
  const el = document.getElementById("sentiment-chart");
  if (!window.echarts || !d.days.length) { el.textContent = L.empty; return; }
  const chart = echarts.init(el);
  chart.setOption({
    tooltip: { valueFormatter: window.dvNumber, trigger: "axis" }, legend: {},
    xAxis: { type: "category", data: d.days }, yAxis: { type: "value", axisLabel: { formatter: window.dvNumber } },
    series: [
      { name: L.negative, type: "bar", stack: "s", data: d.negative, itemStyle: { color: "#d73027" } },
      { name: L.neutral, type: "bar", stack: "s", data: d.neutral, itemStyle: { color: "#bdbdbd" } },
      { name: L.positive, type: "bar", stack: "s", data: d.positive, itemStyle: { color: "#1a9850" } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
