// The review queue: one keystroke per correction. 1-9, 0, a, s, d, f, g, h… field (the page lists them),
// n/u/p sentiment, r relevance, Enter accepts the labels, arrows or j/k move.
// Corrections are POSTed to the item's correct URL.
(function () {
  "use strict";
  const queue = document.getElementById("review-queue");
  if (!queue) return;
  const csrf = () => (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const sentiments = { n: "negative", u: "neutral", p: "positive" };

  function items() { return Array.from(queue.querySelectorAll(".review-item")); }
  function current() { return queue.querySelector(".review-item.active-review") || items()[0]; }
  function fieldKeys() {
    const list = queue.querySelector("#review-list");
    const map = {};
    (list ? list.dataset.fields || "" : "").split(",").forEach((pair) => {
      const [key, code] = pair.split(":");
      if (key && code) map[key] = code;
    });
    return map;
  }
  function select(el) {
    items().forEach((i) => i.classList.remove("active-review", "border-primary", "border-2"));
    if (el) {
      el.classList.add("active-review", "border-primary", "border-2");
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest" });
    }
  }
  function move(step) {
    const all = items();
    const index = all.indexOf(current());
    select(all[Math.min(all.length - 1, Math.max(0, index + step))]);
  }
  function send(what, value) {
    const el = current();
    if (!el) return;
    const body = new URLSearchParams({ what: what, value: value });
    fetch(el.dataset.correctUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
      .then(({ ok, data }) => {
        const status = el.querySelector(".review-status");
        if (!ok) { if (status) { status.className = "review-status text-danger"; status.textContent = data.error || "!"; } return; }
        if (status) status.textContent = "✓";
        const next = el.nextElementSibling;
        el.remove();
        select(next && next.classList.contains("review-item") ? next : items()[0]);
        if (!items().length) window.location.reload();
      });
  }
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    const fields = fieldKeys();
    let handled = true;
    if (key === "arrowdown" || key === "j") move(1);
    else if (key === "arrowup" || key === "k") move(-1);
    else if (key === "enter") send("accept", "");
    else if (key === "r") send("relevant", "toggle");
    else if (sentiments[key]) send("sentiment", sentiments[key]);
    else if (fields[key]) send("field", fields[key]);
    else handled = false;
    if (handled) event.preventDefault();
  });
  queue.addEventListener("click", (event) => {
    const el = event.target.closest(".review-item");
    if (el && !event.target.closest("a")) select(el);
  });
  select(current());
})();
