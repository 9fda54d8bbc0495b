// khabar map: vendored Leaflet over Natural Earth countries (world-atlas TopoJSON); no tile server.
"use strict";
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L || !window.topojson) return;
  var colours = JSON.parse(el.getAttribute("data-colours") || "{}");
  function colour(type) {
    if (colours[type]) return colours[type];
    var h = 0;
    for (var i = 0; i < type.length; i++) h = (h * 31 + type.charCodeAt(i)) % 360;
    return "hsl(" + h + ", 55%, 45%)";
  }
  var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 12, attributionControl: true, preferCanvas: false });
  map.attributionControl.setPrefix("");
  map.attributionControl.addAttribution("Countries: Natural Earth");
  map.setView([20, 0], 2);  // the whole world until the events say where to look
  var detail = document.getElementById("map-detail");
  var status = document.getElementById("map-status");

  function line(label, value) {
    if (value === null || value === undefined || value === "") return null;
    var p = document.createElement("div");
    var b = document.createElement("strong");
    b.textContent = label + ": ";
    p.appendChild(b);
    p.appendChild(document.createTextNode(String(value)));
    return p;
  }
  // Every value from the store goes in through textContent: article text never becomes markup.
  function show(props) {
    detail.textContent = "";
    var h = document.createElement("h2");
    h.textContent = props.type + (props.status && props.status !== "occurred" ? " (" + props.status + ")" : "");
    detail.appendChild(h);
    [["Actor", props.actor], ["Target", props.target], ["Where", props.location], ["Country", props.country],
     ["Date", props.date], ["Fatalities", props.fatalities], ["Confidence", props.confidence]].forEach(function (kv) {
      var n = line(kv[0], kv[1]);
      if (n) detail.appendChild(n);
    });
    var q = document.createElement("blockquote");
    q.className = "evidence";
    q.textContent = props.evidence;
    detail.appendChild(q);
    var a = document.createElement("a");
    a.href = "/documents/" + encodeURIComponent(props.doc_id) + "#ev-" + encodeURIComponent(props.id);
    a.textContent = "Open the document";
    a.className = "doc-link";
    detail.appendChild(a);
  }

  function legend(types) {
    var box = document.getElementById("map-legend");
    box.textContent = "";
    Object.keys(types).sort().forEach(function (t) {
      var item = document.createElement("span");
      item.className = "legend-item";
      var dot = document.createElement("span");
      dot.className = "legend-dot";
      dot.style.background = colour(t);
      item.appendChild(dot);
      item.appendChild(document.createTextNode(t + " (" + types[t] + ")"));
      box.appendChild(item);
    });
  }

  fetch(el.getAttribute("data-countries")).then(function (r) { return r.json(); }).then(function (topo) {
    var land = topojson.feature(topo, topo.objects.countries);
    L.geoJSON(land, { style: { color: "#8a9bb0", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
                      interactive: false }).addTo(map).bringToBack();
  }).then(function () {
    return fetch(el.getAttribute("data-api")).then(function (r) { return r.json(); });
  }).then(function (data) {
    var types = {};
    var layer = L.featureGroup();
    (data.features || []).forEach(function (f) {
      var p = f.properties;
      types[p.type] = (types[p.type] || 0) + 1;
      var c = f.geometry.coordinates;
      var m = L.circleMarker([c[1], c[0]], { radius: 7, color: "#222", weight: 1, fillColor: colour(p.type),
                                              fillOpacity: 0.85, className: "event-point" });
      m.eventId = p.id;
      m.on("click", function () { show(p); });
      m.bindTooltip(document.createTextNode(p.type + (p.location ? " · " + p.location : "")));
      layer.addLayer(m);
    });
    layer.addTo(map);
    layer.eachLayer(function (m) {  // lets a test (or a user script) find the point of one event
      var node = m.getElement && m.getElement();
      if (node) node.setAttribute("data-id", m.eventId);
    });
    if (data.features && data.features.length) map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 6 });
    status.textContent = (data.features || []).length + " events on the map" + (data.truncated ? " (first of many: narrow the filters)" : "") + ".";
    el.setAttribute("data-points", String((data.features || []).length));
    legend(types);
  }).catch(function (err) {
    status.textContent = "Could not load the map data: " + err;
  });
})();
