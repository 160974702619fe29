"""The reader that ships with ablab: `reader.keras` (the best reader, trained by the command in `reader.json`),
used by `ablab clock read` / `evaluate` when the user has trained none (`--model` always wins).

`reader.json` is its card: how it was trained (command, data preset, size and seed, training seed, commit),
its size and SHA-256, and what it scored on data it never trained on; `worst.npz` its worst readings of designs
it never saw (the held-out style families). Nothing here trains or downloads anything.
"""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED_DIR = Path(__file__).parent
SHIPPED_READER = SHIPPED_DIR / "reader.keras"
SHIPPED_CARD = SHIPPED_DIR / "reader.json"
SHIPPED_WORST = SHIPPED_DIR / "worst.npz"  # its worst readings of the held-out families (ablab.clock.read.metrics)


def shipped_card() -> dict:
    """The shipped reader's card ({} when this install carries no reader)."""
    return json.loads(SHIPPED_CARD.read_text()) if SHIPPED_CARD.is_file() else {}


def shipped_worst() -> bytes:
    """The shipped reader's worst held-out readings, npz bytes (b"" when this install has none)."""
    return SHIPPED_WORST.read_bytes() if SHIPPED_WORST.is_file() else b""
