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
})();
