// Members pages: charts (Apache ECharts, data from <script type="application/json"> blocks), the figures'
// lazily loaded breakdown, and keeping citizen IDs out of addresses. No inline scripts (CSP).
(function () {
  "use strict";

  var COLORS = ["#a4161a", "#e76f51", "#f4a261", "#2a9d8f", "#264653", "#8ab17d", "#6d597a", "#b56576", "#457b9d"];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function bars(el, d) {
    var chart = window.echarts.init(el);
    var series = d.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", data: s.data, emphasis: { focus: "series" } };
    });
    if (d.categories.length > 20) {
      // Many places (the communes of a province): columns, with a slider to move along them.
      chart.setOption({
        color: COLORS,
        tooltip: { valueFormatter: window.dvNumber, trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0, type: "scroll" },
        grid: { left: 40, right: 16, top: 36, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: d.categories, axisLabel: { rotate: 45, width: 110, overflow: "truncate" } },
        yAxis: { type: "value", axisLabel: { formatter: window.dvNumber } },
        dataZoom: [{ type: "slider", startValue: 0, endValue: 29, height: 18, bottom: 4 }, { type: "inside" }],
        series: series
      });
      return chart;
    }
    chart.setOption({
      color: COLORS,
      tooltip: { valueFormatter: window.dvNumber, trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: window.dvNumber } },
      yAxis: { type: "category", data: d.categories, inverse: true, axisLabel: { width: 160, overflow: "truncate" } },
      series: series
    });
    return chart;
  }

  function pie(el, d) {
    // nothing to share out: no ring split in equal parts (ECharts' default for a zero sum), no grey ring
    if (!d.some(function (item) { return item.value > 0; })) { el.style.display = "none"; return null; }
    var chart = window.echarts.init(el);
    chart.setOption({
      color: COLORS,
      tooltip: { valueFormatter: window.dvNumber, trigger: "item" },
      // the names in a legend under the ring, not as labels around it: in a third of the page they were cut
      // ("Khơ-me: 1…"); the shares come with the tooltip and the table below
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], data: d, label: { show: false }, stillShowZeroSum: false }]
    });
    return chart;
  }

  function columns(el, d) {
    var chart = window.echarts.init(el);
    chart.setOption({
      color: COLORS,
      tooltip: { valueFormatter: window.dvNumber, trigger: "axis" },
      grid: { left: 8, right: 8, top: 10, bottom: 8, containLabel: true },
      // every age band named (ECharts skips labels that would touch), slanted to fit
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", axisLabel: { formatter: window.dvNumber } },
      series: [{ type: "bar", data: d.values }]
    });
    return chart;
  }

  var charts = [];
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var d = data(el.getAttribute("data-source"));
      if (!d) { return; }
      var kind = el.getAttribute("data-chart");
      if (kind === "bars" && (!d.categories || !d.categories.length)) { el.style.display = "none"; return; }
      var chart = kind === "bars" ? bars(el, d) : kind === "pie" ? pie(el, d) : columns(el, d);
      if (chart) { charts.push(chart); }
      el.setAttribute("data-drawn", "1");
    });
  }

  function afterBreakdown(root) {
    var box = root.id === "breakdown" ? root : root.querySelector && root.querySelector("#breakdown");
    var total = document.getElementById("people-total");
    if (box && total && box.getAttribute("data-people-total")) {
      total.textContent = box.getAttribute("data-people-total");
    }
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
    afterBreakdown(event.target);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // A citizen ID typed in the list's search box goes to the look-up form (POST), never into the address.
  var filter = document.getElementById("member-filter");
  var lookup = document.getElementById("citizen-id-lookup");
  if (filter && lookup) {
    filter.addEventListener("submit", function (event) {
      var q = filter.querySelector("input[name=q]");
      var digits = q ? q.value.replace(/[\s.\-]/g, "") : "";
      if (/^\d{12}$/.test(digits)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        lookup.querySelector("input[name=citizen_id]").value = digits;
        q.value = "";
        lookup.submit();
      }
    }, true);
  }
})();
