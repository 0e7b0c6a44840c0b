"""The command line: `adaptive-basis reproduce --quick` writes figures, RESULTS.md, results.json."""

import json
import math
import subprocess
import sys

import pytest

from adaptive_basis import experiments
from adaptive_basis.cli import main


def test_reproduce_quick_writes_every_output(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "adaptive_basis", "reproduce", "--quick", "--out", str(tmp_path),
                           "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "done in" in proc.stderr  # progress goes to stderr
    data = json.loads((tmp_path / "results.json").read_text())
    assert set(data) == set(experiments.REGISTRY)
    for name, rows in data.items():
        assert rows, name
        for r in rows:
            assert set(r) == {"case", "metric", "value", "paper"}, name
            assert isinstance(r["case"], str) and isinstance(r["metric"], str)
            assert r["value"] is None or math.isfinite(r["value"])
            assert r["paper"] is None or isinstance(r["paper"], float)
    md = (tmp_path / "RESULTS.md").read_text()
    for name in experiments.REGISTRY:
        assert f"<!-- begin {name} -->" in md
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    for png in pngs:
        assert f"({png})" in md  # every figure is linked from RESULTS.md
        assert (tmp_path / png).stat().st_size > 10_000
    assert len(pngs) >= len(experiments.REGISTRY)


def test_rerunning_one_experiment_keeps_the_others(tmp_path):
    assert main(["reproduce", "basis", "--quick", "--out", str(tmp_path), "--jobs", "1"]) == 0
    assert main(["reproduce", "collapse", "--quick", "--out", str(tmp_path), "--jobs", "1"]) == 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert set(data) == {"basis", "collapse"}
    md = (tmp_path / "RESULTS.md").read_text()
    assert md.index("<!-- begin collapse -->") < md.index("<!-- begin basis -->")  # registry order


def test_results_do_not_depend_on_the_number_of_jobs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["reproduce", "box-vs-he", "--quick", "--out", str(a), "--jobs", "1"]) == 0
    assert main(["reproduce", "box-vs-he", "--quick", "--out", str(b), "--jobs", "2"]) == 0
    assert json.loads((a / "results.json").read_text()) == json.loads((b / "results.json").read_text())


def test_unknown_experiment_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["reproduce", "fig99"])
    assert info.value.code == 2
    assert "fig99" in capsys.readouterr().err
