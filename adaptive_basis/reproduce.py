"""``adaptive-basis reproduce``: run experiments, write figures, RESULTS.md and results.json.

Outputs in ``out_dir``:

* one PNG per figure;
* ``results.json``: ``{experiment: [{"case", "metric", "value", "paper"}, ...]}``,
  ``value`` being the median over runs and ``paper`` the paper's value where SPEC
  gives one (else null);
* ``RESULTS.md``: one section per experiment (setting, how it differs from the
  paper's, a table of median [min, max] over runs beside the paper's values, the
  figures, and what we observe). Running a subset of the experiments replaces
  only their sections and entries; the others are kept.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy

from . import __version__, experiments
from .experiments._common import make_pmap, markdown_table, public_rows

PROFILES = ("quick", "default", "full")
_HEADER = """# Results of `adaptive-basis reproduce`

Produced by the package's own command; each section says which profile and seed
made it. `ours` is the median over independent runs with the minimum and maximum in
brackets and the number of runs in parentheses; `paper` is the value SPEC.md quotes
from Cyr et al. (2020), where it quotes one. Where our figure does not show what the
paper shows, the section says so.
"""


def _section_markers(name):
    return f"<!-- begin {name} -->", f"<!-- end {name} -->"


def _update_markdown(path: Path, name: str, body: str, order):
    text = path.read_text() if path.exists() else _HEADER
    begin, end = _section_markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        post = rest.split(end, 1)[1]
        text = pre + block + post
    else:
        # insert in registry order among the sections already present
        names_after = order[order.index(name) + 1:] if name in order else []
        for other in names_after:
            ob = _section_markers(other)[0]
            if ob in text:
                pre, post = text.split(ob, 1)
                text = pre + block + "\n\n" + ob + post
                break
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def run_experiments(names, profile="default", out_dir="figures", seed=0, jobs=1, log=None):
    """Run the named experiments and write their outputs; returns ``{name: rows}``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    names = list(names) or list(experiments.REGISTRY)
    mods = {n: experiments.get(n) for n in names}  # unknown names fail before any work
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    all_rows = json.loads(json_path.read_text()) if json_path.exists() else {}
    done = {}
    for name, mod in mods.items():
        cfg = mod.PROFILES[profile]
        log(f"[{name}] {mod.TITLE} -- profile {profile!r}, seed {seed}, {jobs} job(s)")
        if cfg.get("note"):
            log(f"[{name}] setting: {cfg['note']}")
        tic = time.perf_counter()
        name_log = lambda msg, n=name: log(f"[{n}] {msg}")  # noqa: E731
        results = mod.run(cfg, seed, make_pmap(jobs, name_log), name_log)
        rows, body, pngs = mod.report(results, out)
        elapsed = time.perf_counter() - tic
        head = (f"## {name} — {mod.TITLE}\n\n"
                f"Profile `{profile}`, seed {seed}, {elapsed:.0f} s on {jobs} process(es); "
                f"adaptive_basis {__version__}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
                f"Python {platform.python_version()}.\n\n"
                f"**Setting.** {cfg.get('note', '')}\n\n")
        figs = "\n".join(f"![{Path(p).name}]({Path(p).name})" for p in pngs)
        _update_markdown(out / "RESULTS.md", name, head + markdown_table(rows) + "\n\n" + body + "\n\n" + figs,
                         list(experiments.REGISTRY))
        all_rows[name] = public_rows(rows)
        json_path.write_text(json.dumps(all_rows, indent=1, allow_nan=False) + "\n")
        log(f"[{name}] done in {elapsed:.1f} s: " + ", ".join(Path(p).name for p in pngs))
        done[name] = rows
    log(f"wrote {out / 'RESULTS.md'} and {json_path}")
    return done
