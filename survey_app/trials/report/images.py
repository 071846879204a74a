"""Static images of the report's plotly figures (the dashboards' figure definitions), drawn
by kaleido in Debian's Chromium; no browser is downloaded."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")


def png_images(figures: list) -> list[bytes]:
    """PNG bytes of each figure (plotly figure dictionaries), in order (one Chromium for all
    of them)."""
    if not figures:
        return []
    import kaleido  # here: kaleido and plotly are slow to import, and only reports need them
    import plotly.io as pio

    if SYSTEM_CHROMIUM.exists():
        os.environ.setdefault("BROWSER_PATH", str(SYSTEM_CHROMIUM))
    kaleido.start_sync_server(silence_warnings=True)
    try:
        with warnings.catch_warnings():  # plotly passes options the running server ignores
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return [pio.to_image(f, format="png", width=900, scale=1.5) for f in figures]
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
