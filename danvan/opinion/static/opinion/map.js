// Commune choropleth (ECharts). Usage: opinionMap(el, {province: "01", values: {"09877": 12, ...},
// label: "Items", drill: "/opinion/issues/?commune="}) — click a commune to open its issues.
(function () {
  "use strict";
  const base = document.currentScript ? document.currentScript.src.replace(/map\.js.*$/, "geo/") : "/static/opinion/geo/";
  window.opinionMap = async function (el, opts) {
    if (!window.echarts || !el) return null;
    const url = opts.province ? base + "wards/" + opts.province + ".json" : base + "provinces.json";
    const geo = await (await fetch(url)).json();
    const name = "opinion-" + (opts.province || "vn");
    const names = {};
    geo.features.forEach(function (f) { names[f.properties.code] = f.properties.name; f.properties.name = f.properties.code; });
    echarts.registerMap(name, geo);
    const data = Object.entries(opts.values || {}).map(function (e) { return { name: e[0], value: e[1] }; });
    const max = Math.max(1, ...data.map(function (d) { return d.value || 0; }));
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return (names[p.name] || p.name) + ": " + (isNaN(p.value) ? "—" : p.value); } },
      visualMap: { min: 0, max: max, left: "left", bottom: 10, calculable: true, inRange: { color: ["#fff5f0", "#fb6a4a", "#a50f15"] } },
      series: [{ type: "map", map: name, roam: true, name: opts.label || "", data: data }],
    });
    if (opts.drill) chart.on("click", function (p) { window.location.href = opts.drill + encodeURIComponent(p.name); });
    return chart;
  };
})();
