/* Commune choropleth of the opinion dashboard (ECharts).
 * <div data-opinion-map data-geo="/static/opinion/geo/wards/01.json" data-values="<json_script id>"
 *      data-drill="/opinion/issues/?unit=" data-label="Items"></div>
 * values: [{code, name, value, unit_id}] — a click on a commune opens its issues (drill + unit_id). */
(function () {
  "use strict";
  function draw(el) {
    if (!window.echarts) { return; }
    var values = JSON.parse(document.getElementById(el.dataset.values).textContent || "[]");
    var byCode = {};
    values.forEach(function (v) { byCode[v.code] = v; });
    fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
      geo.features.forEach(function (f) { f.properties.name = f.properties.code; });
      echarts.registerMap("opinion-" + el.dataset.geo, geo);
      var names = {};
      geo.features.forEach(function (f) { names[f.properties.code] = f.properties.label || ""; });
      var data = geo.features.map(function (f) {
        var v = byCode[f.properties.code];
        return { name: f.properties.code, value: v ? v.value : null, unit: v ? v.unit_id : null,
                 label: v ? v.name : "" };
      });
      var max = Math.max.apply(null, values.map(function (v) { return v.value || 0; }).concat([1]));
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          var d = p.data || {};
          return (d.label || p.name) + ": " + (d.value == null ? "—" : d.value);
        } },
        visualMap: { min: 0, max: max, left: "left", bottom: 10, calculable: true, text: [el.dataset.label || "", ""],
                     inRange: { color: ["#f7fbff", "#fdae61", "#d73027"] } },
        series: [{ type: "map", map: "opinion-" + el.dataset.geo, roam: true, data: data,
                   emphasis: { label: { show: false } }, itemStyle: { borderColor: "#999", borderWidth: 0.4 } }]
      });
      chart.on("click", function (p) {
        if (p.data && p.data.unit && el.dataset.drill) { window.location.href = el.dataset.drill + p.data.unit; }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function () { el.textContent = el.dataset.error || ""; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-opinion-map]").forEach(draw);
  });
})();
