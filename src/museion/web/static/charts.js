// Draws every chart on the page from its JSON (a <script type="application/json"> next to it), so the
// page needs no inline script and the Content-Security-Policy can stay at script-src 'self'.
document.querySelectorAll("[data-chart]").forEach(function (el) {
  var figure = JSON.parse(document.getElementById(el.dataset.chart).textContent);
  Plotly.newPlot(el, figure.data, figure.layout, {displayModeBar: false, responsive: true}).then(function () {
    el.dataset.drawn = "true";
  });
});
