/* The forecast page's chart (a static file: the CSP forbids inline scripts): the observed daily volume,
 * then the forecast mean with its interval drawn as a band (lower line + stacked width). Labels come from
 * #forecast-labels (translated in the template), data from the json_script block #forecast-data. */
(function () {
  "use strict";
  const L = document.getElementById("forecast-labels").dataset;
  const d = JSON.parse(document.getElementById("forecast-data").textContent);
  const el = document.getElementById("forecast-chart");
  const any = d.observed.some(function (v) { return v !== null; }) ||
    d.mean.some(function (v) { return v !== null; });
  if (!window.echarts || !d.days.length || !any) { el.textContent = L.empty; return; }
  const chart = echarts.init(el);
  chart.setOption({
    tooltip: { valueFormatter: window.dvNumber, trigger: "axis" },
    legend: { data: [L.observed, L.mean, L.band] },
    xAxis: { type: "category", data: d.days, boundaryGap: false },
    yAxis: { type: "value", min: 0, axisLabel: { formatter: window.dvNumber } },
    series: [
      { name: L.observed, type: "line", data: d.observed, connectNulls: false, symbolSize: 4,
        itemStyle: { color: "#3366cc" } },
      { name: "lower", type: "line", data: d.lower, stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, tooltip: { show: false } },
      { name: L.band, type: "line", data: d.band, stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, itemStyle: { color: "rgba(255, 152, 0, 0.5)" },
        areaStyle: { color: "rgba(255, 152, 0, 0.25)" } },
      { name: L.mean, type: "line", data: d.mean, symbolSize: 4, lineStyle: { type: "dashed" },
        itemStyle: { color: "#ff9800" } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
