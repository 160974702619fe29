"""Training: TrialSpec -> run_trial() -> TrialResult (the caller stores it)."""

from ablab.train.spec import TrialResult, TrialSpec, parse_config

__all__ = ["TrialResult", "TrialSpec", "parse_config", "run_trial"]


def __getattr__(name: str):
    # run_trial imports keras; keep `import ablab.train` cheap so the CLI can set the backend first.
    if name == "run_trial":
        from ablab.train.run import run_trial

        return run_trial
    raise AttributeError(name)
