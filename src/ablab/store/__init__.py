"""The trial store (SQLite)."""

from ablab.store.sqlite import FINISHED, STATES, Store, TrialRow, current_owner, owner_alive

__all__ = ["FINISHED", "STATES", "Store", "TrialRow", "current_owner", "owner_alive"]
