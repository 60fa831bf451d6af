"""plotly.js for offline pages, compressed: 4.8 MB of script travels as 2.2 MB of gzip.

A page includes `plotly_scripts()` once and each figure as `figure_div(...)`: the figure's
JSON waits in a `<script type="application/json">` until the page has inflated plotly.js
with the browser's own `DecompressionStream` (no network, no library), then every figure
is drawn. docs/benchmarks.md has the sizes.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
from typing import Final

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

__all__ = ["FIGURE_CONFIG", "figure_div", "plotly_scripts"]

FIGURE_CONFIG: Final = {"displaylogo": False, "responsive": True}
_LEVEL: Final = 3  # 0.09 s for 2.16 MB; level 9 saves 0.2 MB for 0.2 s more per report

_LOADER: Final = """
(async () => {
  const packed = document.getElementById("plotly-js-gzip").textContent.trim();
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const script = document.createElement("script");
  script.textContent = await new Response(stream).text();
  document.head.appendChild(script);
  if (document.readyState === "loading") {
    await new Promise((ready) => document.addEventListener("DOMContentLoaded", ready));
  }
  const config = %s;
  for (const data of document.querySelectorAll("script[data-figure]")) {
    const figure = JSON.parse(data.textContent);
    Plotly.newPlot(data.dataset.figure, figure.data, figure.layout, config);
  }
})();
"""


@functools.cache
def _packed() -> str:
    return base64.b64encode(gzip.compress(get_plotlyjs().encode(), _LEVEL, mtime=0)).decode()


def plotly_scripts() -> str:
    """The two `<script>` elements a page needs once: packed plotly.js and its loader."""
    return (
        f'<script id="plotly-js-gzip" type="application/gzip+base64">{_packed()}</script>\n'
        f"<script>{_LOADER % json.dumps(FIGURE_CONFIG)}</script>\n"
    )


def figure_div(fig: go.Figure, div_id: str, height: int) -> str:
    """The figure as a `<div>` `height` pixels tall and its JSON, drawn by the loader."""
    data = fig.to_json().replace("</", "<\\/")  # the JSON cannot end its script element
    return (
        f'<div id="{div_id}" class="plotly-graph-div" style="height:{height}px; width:100%;">'
        f'</div>\n<script type="application/json" data-figure="{div_id}">{data}</script>'
    )
