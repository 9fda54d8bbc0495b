// khabar: small behaviours shared by every page (no framework, no network beyond this server).
"use strict";
(function () {
  // Document view: clicking a highlighted event/claim sentence shows its record item beside the text.
  var text = document.getElementById("doc-text");
  if (text) {
    text.addEventListener("click", function (ev) {
      var el = ev.target.closest ? ev.target.closest("[data-refs]") : null;
      if (!el) return;
      var refs = (el.getAttribute("data-refs") || "").split(" ").filter(Boolean);
      document.querySelectorAll(".rec-list li.active").forEach(function (li) { li.classList.remove("active"); });
      refs.forEach(function (ref, i) {
        var li = document.querySelector('[data-ref="' + CSS.escape(ref) + '"]');
        if (li) { li.classList.add("active"); if (i === 0) li.scrollIntoView({ block: "nearest" }); }
      });
    });
  }

  // Events table: date and confidence sort on the server (all pages); other columns sort this page's rows.
  document.querySelectorAll("button.th-sort").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var table = btn.closest("table");
      var body = table.tBodies[0];
      var col = Number(btn.getAttribute("data-col"));
      var dir = btn.getAttribute("data-dir") === "asc" ? "desc" : "asc";
      table.querySelectorAll("button.th-sort").forEach(function (b) { b.removeAttribute("data-dir"); });
      btn.setAttribute("data-dir", dir);
      var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > col; });
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent.trim().toLowerCase(), y = b.cells[col].textContent.trim().toLowerCase();
        if (!x !== !y) return x ? -1 : 1;  // empty cells last either way
        return dir === "asc" ? x.localeCompare(y) : y.localeCompare(x);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
