// Draw every figure whose JSON waits in a <script type="application/json" data-figure> element
// (analytics.plotly_page.figure_div), with the plotly.js the page loaded from /static.
(() => {
  const draw = () => {
    for (const data of document.querySelectorAll("script[data-figure]")) {
      const figure = JSON.parse(data.textContent);
      Plotly.newPlot(data.dataset.figure, figure.data, figure.layout,
                     { displaylogo: false, responsive: true });
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
