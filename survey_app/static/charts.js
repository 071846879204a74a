// Draws the figures whose data the page carries as JSON (no inline script, so the CSP holds).
// The figures leave out plotly's default template; the page carries it once for all of them.
var templateNode = document.getElementById("plotly-template");
var template = templateNode ? JSON.parse(templateNode.textContent) : null;
document.querySelectorAll("script.plotly-figure").forEach(function (node) {
  var figure = JSON.parse(node.textContent);
  var target = document.getElementById(node.dataset.target);
  if (template && !figure.layout.template) figure.layout.template = template;
  window.Plotly.newPlot(target, figure.data, figure.layout, {
    responsive: true,
    displaylogo: false,
  });
});
