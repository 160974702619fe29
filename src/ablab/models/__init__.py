"""Models: a registry of builders and the TrialConfig that holds every knob of the report's Tables 2–7."""

from ablab.models.config import TrialConfig, make_config
from ablab.models.presets import PRESETS, preset_overrides
from ablab.models.registry import MODELS, build_model, register_model

__all__ = ["MODELS", "PRESETS", "TrialConfig", "build_model", "make_config", "preset_overrides", "register_model"]
