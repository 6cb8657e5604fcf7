// The review queue: one keystroke corrects one label of the selected item, which stays in the queue with its
// new labels shown. 1-9, 0, a, s, d, f, g, h… field (the page lists them), n/u/p sentiment, r relevance;
// Enter confirms the item's labels as shown (it then leaves the queue and becomes a training label) and moves
// on; Backspace undoes the last keystroke (a correction or a confirmation); arrows or j/k move.
// Corrections are POSTed to the item's correct URL, undo to its undo URL.
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
  const undoStack = []; // {el, url, corrections, confirmed, next}
  function post(url, params) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: new URLSearchParams(params),
      credentials: "same-origin",
    }).then((r) => r.json().then((data) => ({ ok: r.ok, data: data })));
  }
  function show(el, labels) {
    if (!labels) return;
    const set = (cls, text) => { const b = el.querySelector(cls); if (b) b.textContent = text; };
    set(".review-field", labels.field_label);
    set(".review-sentiment", labels.sentiment_label);
    const rel = el.querySelector(".review-relevant");
    if (rel) rel.textContent = labels.relevant ? rel.dataset.yes : rel.dataset.no;
  }
  function status(el, ok, text) {
    const s = el.querySelector(".review-status");
    if (s) { s.className = "review-status " + (ok ? "text-success" : "text-danger"); s.textContent = text; }
  }
  function send(what, value) {
    const el = current();
    if (!el) return;
    post(el.dataset.correctUrl, { what: what, value: value }).then(({ ok, data }) => {
      if (!ok) { status(el, false, data.error || "!"); return; }
      undoStack.push({ el: el, corrections: data.corrections || [], confirmed: what === "accept" });
      show(el, data.labels);
      if (what !== "accept") { status(el, true, "✓ " + (queue.dataset.corrected || "")); return; }
      // confirmed: the item leaves the queue (hidden, so that undo can bring it back) and the next is selected
      const next = items().slice(items().indexOf(el) + 1)[0];
      el.classList.add("d-none");
      el.classList.remove("review-item");
      el.classList.add("review-done");
      select(next || items()[0]);
      if (!items().length && !undoStack.length) window.location.reload();
    });
  }
  function undo() {
    const last = undoStack.pop();
    if (!last) return;
    const el = last.el;
    post(el.dataset.undoUrl, { corrections: last.corrections.join(","), unconfirm: last.confirmed ? "1" : "0" })
      .then(({ ok, data }) => {
        if (!ok) { status(el, false, data.error || "!"); return; }
        if (last.confirmed) {
          el.classList.remove("d-none", "review-done");
          el.classList.add("review-item");
        }
        show(el, data.labels);
        status(el, true, "↶ " + (queue.dataset.undone || ""));
        select(el);
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
    else if (key === "backspace") undo();
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
