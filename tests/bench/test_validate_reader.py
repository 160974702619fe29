"""bench/validate_reader.py on the pinned two-stage reader (tests/clock/fixtures; tiny, at chance): every set is read
at every share, and the per-clock errors written agree with the means and counts."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import validate_reader  # noqa: E402

PINNED = ROOT / "tests" / "clock" / "fixtures" / "pinned_reader.keras"


def test_validation_reads_every_set_at_every_share_and_writes_each_error(tmp_path, capsys):
    out = tmp_path / "v.json"
    validate_reader.main([str(PINNED), "--shares", "0.9,0.5", "--sets", "photo,upright-ticks", "--varied", "12",
                          "--n", "6", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["seed"] == validate_reader.VALIDATION_SEED and set(saved["shares"]) == {"0.9", "0.5"}
    for share in saved["shares"].values():
        # the pinned reader reads near chance: no threshold, or one from the few readings it gets right by luck
        assert share["threshold"] is None or 0.0 <= share["threshold"] <= 1.0
        assert {k: len(v[3]) for k, v in share.items() if k != "threshold"} == {"varied": 12, "photo": 6,
                                                                                 "upright-ticks": 6}
        for mean, wrong, flagged, errors in (v for k, v in share.items() if k != "threshold"):
            assert np.isclose(mean, np.mean(errors), atol=0.06) and wrong == sum(e > 1 for e in errors)
    assert len(re.findall(r"upright-ticks +\d+\.\d+ wrong", capsys.readouterr().out)) == 2  # a line a share


def test_a_model_that_cannot_be_loaded_exits_2_naming_it(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        validate_reader.main([str(tmp_path / "missing.keras"), "--out", str(tmp_path / "v.json")])
    assert exit_.value.code == 2 and "missing.keras" in capsys.readouterr().err
    assert not (tmp_path / "v.json").exists()
