"""bench/bench_load.py on the tiny set: what it prints adds up, ``--repeat`` runs each load
into a new file, ``--keep`` keeps the last. Its timings are not checked (a benchmark, not a
timed test); its counts are."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from loaders.generate import generate

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/bench_load.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _phase_rows(out: str) -> dict[str, int]:
    rows = {}
    for line in out.splitlines():
        found = re.match(r"^(\S.*?)\s{2,}([\d,]+)\s+[\d.]+\s+", line)
        if found and not line.startswith(("run", "phase")):
            rows[found.group(1)] = int(found.group(2).replace(",", ""))
    return rows


def test_repeat_prints_a_line_per_run_and_the_median_runs_phases(tmp_path: Path) -> None:
    counts = generate(tmp_path / "data", size="tiny", seed=3)
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "bench.db").write_text("not a database: an earlier run's file is replaced")
    result = _bench("--data", str(tmp_path / "data"), "--repeat", "2", "--keep", str(keep))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    runs = [line for line in out.splitlines() if re.match(r"^\s+[12] ", line)]
    assert len(runs) == 2, out
    for line in runs:
        # run, reference s, load s, rows/s, x ref, CPU us/row, peak MiB
        reference, load, rate, ratio = (float(x.replace(",", "")) for x in line.split()[1:5])
        # the seconds are printed to 0.01 s, the ratio to 0.1: bounds, not equalities
        assert counts.total / (load + 0.005) - 1 <= rate <= counts.total / (load - 0.005) + 1
        low, high = (
            (load - 0.005) / (reference + 0.005),
            (load + 0.005) / max(reference - 0.005, 1e-9),
        )
        assert low - 0.05 <= ratio <= high + 0.05
    assert "phases of the median run" in out
    rows = _phase_rows(out)
    assert rows["reference: read only"] == counts.total
    assert rows["validate"] == counts.total
    assert rows["load incl. resolve"] == counts.total
    assert "over 2 runs:" in out
    # the last run's store is kept, the first one's was removed before it
    assert sorted(p.name for p in keep.iterdir() if p.name.startswith("bench.db")) == ["bench.db"]
    with sqlite3.connect(keep / "bench.db") as kept:
        customers = kept.execute("SELECT count(*) FROM nodes WHERE label = 'Customer'")
        assert customers.fetchone()[0] == counts.rows["customers.csv"]


def test_repeat_below_one_is_refused() -> None:
    result = _bench("--size", "tiny", "--repeat", "0")
    assert result.returncode == 2
    assert "--repeat must be at least 1" in result.stderr
