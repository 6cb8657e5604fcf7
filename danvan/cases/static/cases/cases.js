// Behaviour of the cases pages (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // The kind of case decides what the form shows: legal help for complaints and denunciations on the
  // public portal (which does not take them), the encrypted identity fields for a denunciation.
  function kindValue(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    if (checked) return checked.value;
    var select = form.querySelector("select[name=kind]");
    return select ? select.value : "";
  }
  function applyKind(form) {
    var kind = kindValue(form);
    form.querySelectorAll("[data-kind-help]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind-help") !== kind;
    });
    var publicFields = form.querySelector(".public-fields");
    if (publicFields) publicFields.hidden = kind === "complaint" || kind === "denunciation";
    form.querySelectorAll(".only-denunciation").forEach(function (el) { el.hidden = kind !== "denunciation"; });
    form.querySelectorAll(".only-complaint").forEach(function (el) { el.hidden = kind !== "complaint"; });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[name=kind]")) return;
    applyKind(form);
    form.addEventListener("change", function (e) { if (e.target.name === "kind") applyKind(form); });
  });

  // Similar earlier cases, while a case is typed in.
  var caseForm = document.getElementById("case-form");
  if (caseForm) {
    var timer = null;
    var target = document.getElementById("similar-cases");
    var url = caseForm.getAttribute("data-similar-url");
    var lookup = function () {
      var title = caseForm.querySelector("[name=title]").value;
      var content = caseForm.querySelector("[name=content]").value;
      if ((title + content).trim().length < 8) { target.innerHTML = ""; return; }
      var q = new URLSearchParams({ title: title, content: content.slice(0, 300) });
      fetch(url + "?" + q.toString(), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { target.innerHTML = html; });
    };
    caseForm.querySelectorAll("[data-similar]").forEach(function (el) {
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 600); });
    });
    lookup();
  }

  // Charts (ECharts) from the JSON the page carries.
  var dataEl = document.getElementById("cases-chart-data");
  if (dataEl && window.echarts) {
    var data = JSON.parse(dataEl.textContent);
    var palette = ["#a4161a", "#2a9d8f", "#e9c46a", "#264653", "#f4a261", "#6c757d", "#8ab17d", "#e76f51"];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.init(el);
      var kind = el.getAttribute("data-chart");
      var option;
      if (kind === "months") {
        option = {
          animation: false, color: palette, tooltip: { valueFormatter: window.dvNumber, trigger: "axis" }, legend: { top: 0 },
          grid: { left: 40, right: 10, top: 30, bottom: 25 },
          xAxis: { type: "category", data: data.months }, yAxis: { type: "value", axisLabel: { formatter: window.dvNumber } },
          series: [
            { name: data.labels.received, type: "bar", data: data.received },
            { name: data.labels.resolved, type: "bar", data: data.resolved },
            { name: data.labels.late, type: "line", data: data.late }
          ]
        };
      } else {
        option = {
          animation: false, color: palette, tooltip: { valueFormatter: window.dvNumber, trigger: "item" },
          // The names in a legend below the ring: beside it, in a narrow card, they were cut ("Khi...").
          // (sixteen fields: one line that pages; the five kinds fit on two)
          legend: { bottom: 0, itemWidth: 14, itemGap: 8, textStyle: { fontSize: 11 },
                    type: kind === "kinds" ? "plain" : "scroll" },
          series: [{ type: "pie", radius: ["30%", "58%"], center: ["50%", "40%"],
                     data: kind === "kinds" ? data.kinds : data.fields, label: { show: false } }]
        };
      }
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
})();
