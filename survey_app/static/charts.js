// Draws the figures whose data the page carries as JSON (no inline script, so the CSP holds).
document.querySelectorAll("script.plotly-figure").forEach(function (node) {
  var figure = JSON.parse(node.textContent);
  var target = document.getElementById(node.dataset.target);
  window.Plotly.newPlot(target, figure.data, figure.layout, {
    responsive: true,
    displaylogo: false,
  });
});
