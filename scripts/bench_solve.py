#!/usr/bin/env python3
"""Side-by-side benchmark of the nodal crossbar solve: xbarsim vs badcrossbar vs ngspice.

Run it through scripts/bench-solve, which sets up the venv (badcrossbar 1.1.0,
numpy, scipy), ngspice and a release build of xbarsim. Directly:

    python scripts/bench_solve.py --xbarsim PATH [--quick] [--sizes 64,128,784x200]
                                  [--no-ngspice] [--no-badcrossbar] [--repeat K]
                                  [--xbarsim-args "--threads 1"] [--out DIR]

Problems: seeded random arrays (numpy default_rng(2026 + size index), the index
in the standard list 32, 64, 128, 256, 784x200; sizes outside that list get
indices 5, 6, ... in the order given), conductances uniform in [1e-6, 1e-4] S,
v_in uniform in [0, 1] V, r_row = r_col = 1 ohm, written as crossbar problem
JSON files (shared/formats/crossbar-problem.md) into --out DIR.

Per size:
  xbarsim      `XBARSIM solve FILE --repeat K --solver iterative` (the conjugate
               gradients; --xbarsim-args may give another --solver): seconds_solve is the solver's own
               minimum over K repeats (parse/print excluded); the whole-process
               wall time is recorded too.
  badcrossbar  badcrossbar.compute() in-process, output currents only
               (node_voltages=False, all_currents=False, its cheapest mode);
               best of 2 runs up to 128x128 cells, 1 run above.
  ngspice      at up to 64x64 cells: `XBARSIM spice FILE > net.cir`, then
               `ngspice -b net.cir`; wall time and child CPU time (user+sys).

Agreement: max_j |a_j - b_j| / max_j |b_j| of xbarsim's i_out (a) against the
peer's (b). The table goes to stdout (markdown); DIR/bench-solve.json has the
same rows plus machine and version information.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import numpy as np

STANDARD_SIZES = [(32, 32), (64, 64), (128, 128), (256, 256), (784, 200)]
QUICK_SIZES = [(32, 32), (64, 64)]
SEED_BASE = 2026
G_LOW, G_HIGH = 1e-6, 1e-4  # S: 1 MOhm .. 10 kOhm
R_LINE = 1.0  # ohm, r_row = r_col (--r sets it)
IV_V0 = 0.0  # V: the cells' sinh I–V (--iv-v0 sets it; 0 = linear cells)

# Targets.
TARGET_BC_SPEEDUP = 10.0  # at 256x256
TARGET_NG_SPEEDUP = 100.0  # at 64x64
TARGET_AGREEMENT = 1e-6  # max relative difference
TARGET_784_SECONDS = 0.050  # xbarsim seconds_solve at 784x200

NGSPICE_MAX_CELLS = 64 * 64
BC_BEST_OF_2_MAX_CELLS = 128 * 128

IOUT_LINE = re.compile(r"^\s*i\(vout(\d+)\)\s*=\s*(\S+)\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- #
# Problems


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:x(\d+))?", part)
        if not m:
            raise argparse.ArgumentTypeError(f"bad size '{part}' (want N or MxN)")
        rows = int(m.group(1))
        cols = int(m.group(2)) if m.group(2) else rows
        if rows < 1 or cols < 1:
            raise argparse.ArgumentTypeError(f"bad size '{part}'")
        sizes.append((rows, cols))
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sizes


def size_indices(sizes: list[tuple[int, int]]) -> list[int]:
    """Index of each size for the seed: its place in STANDARD_SIZES, else 5, 6, ..."""
    extra = len(STANDARD_SIZES)
    out = []
    for s in sizes:
        if s in STANDARD_SIZES:
            out.append(STANDARD_SIZES.index(s))
        else:
            out.append(extra)
            extra += 1
    return out


def make_problem(rows: int, cols: int, index: int) -> dict:
    rng = np.random.default_rng(seed=SEED_BASE + index)
    g = rng.uniform(G_LOW, G_HIGH, size=(rows, cols))
    v = rng.uniform(0.0, 1.0, size=rows)
    return {
        "rows": rows,
        "cols": cols,
        "conductance": g.tolist(),
        "v_in": v.tolist(),
        "r_row": R_LINE,
        "r_col": R_LINE,
        **({"iv_v0": IV_V0} if IV_V0 > 0 else {}),
    }


def label(rows: int, cols: int) -> str:
    return f"{rows}x{cols}"


def max_rel_diff(a, b) -> float | None:
    if a is None or b is None:
        return None
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return math.inf
    scale = float(np.max(np.abs(b)))
    if scale == 0.0:
        return 0.0 if float(np.max(np.abs(a - b))) == 0.0 else math.inf
    return float(np.max(np.abs(a - b))) / scale


# --------------------------------------------------------------------------- #
# Runners


def run_xbarsim(xbarsim: str, path: str, repeat: int, extra: list[str]) -> dict:
    # The iterative solve is what is compared: `--solver auto` would solve
    # again directly the meshes of G·r large enough to leave an output
    # below 1e-6 of its ideal current (128×128 at --r 1e6).
    solver = [] if "--solver" in extra else ["--solver", "iterative"]
    cmd = [xbarsim, "solve", path, "--repeat", str(repeat), *solver, *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    res: dict = {"cmd": " ".join(cmd), "wall": wall, "repeat": repeat}
    if proc.returncode != 0:
        res["error"] = f"exit {proc.returncode}: {proc.stderr.strip()[:500]}"
        return res
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        res["error"] = f"stdout is not one JSON object ({e}): {proc.stdout[:200]!r}"
        return res
    if not isinstance(out, dict) or "i_out" not in out:
        res["error"] = "no i_out in output"
        return res
    res["i_out"] = [float(x) for x in out["i_out"]]
    for key in ("seconds_solve", "iterations", "residual"):
        res[key] = out.get(key)
    missing = [k for k in ("seconds_solve", "iterations", "residual") if out.get(k) is None]
    if missing:
        res["warning"] = "missing keys: " + ", ".join(missing)
    return res


_badcrossbar = None


def load_badcrossbar():
    """Import badcrossbar quietly: its __init__ warns that plotting (pycairo) is
    unavailable and installs an INFO logger on stdout."""
    global _badcrossbar
    if _badcrossbar is None:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            import badcrossbar  # noqa: PLC0415
        logging.getLogger("badcrossbar").setLevel(logging.WARNING)
        _badcrossbar = badcrossbar
    return _badcrossbar


def run_badcrossbar(problem: dict) -> dict:
    bc = load_badcrossbar()
    g = np.asarray(problem["conductance"], dtype=float)
    v = np.asarray(problem["v_in"], dtype=float).reshape(-1, 1)  # M x 1: one input vector
    resistances = 1.0 / g
    runs = 2 if g.size <= BC_BEST_OF_2_MAX_CELLS else 1
    best = math.inf
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        sol = bc.compute(
            v,
            resistances,
            r_i_word_line=problem["r_row"],
            r_i_bit_line=problem["r_col"],
            node_voltages=False,
            all_currents=False,
        )
        best = min(best, time.perf_counter() - t0)
        out = sol.currents.output  # shape (p, N) = (1, N)
    return {"seconds": best, "runs": runs, "i_out": np.asarray(out, dtype=float).reshape(-1).tolist()}


def parse_ngspice_currents(stdout: str, cols: int) -> tuple[list[float] | None, int]:
    """i(vout<j>) = <number> lines; the first occurrence of each j counts (batch
    mode may print the results twice). Returns (currents or None, fewest
    significant digits seen)."""
    found: dict[int, float] = {}
    digits = 99
    for line in stdout.splitlines():
        m = IOUT_LINE.match(line)
        if not m:
            continue
        j = int(m.group(1))
        if j in found:
            continue
        try:
            found[j] = float(m.group(2))
        except ValueError:
            continue
        mant = m.group(2).lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")
        digits = min(digits, max(len(mant), 1))
    if any(j not in found for j in range(cols)):
        return None, digits
    return [found[j] for j in range(cols)], digits


def run_ngspice(xbarsim: str, path: str, workdir: str, name: str, cols: int) -> dict:
    net = os.path.join(workdir, f"{name}.cir")
    log = os.path.join(workdir, f"{name}.ngspice.log")
    res: dict = {}
    with open(net, "w") as f:
        proc = subprocess.run([xbarsim, "spice", path], stdout=f, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        res["error"] = f"xbarsim spice exit {proc.returncode}: {proc.stderr.strip()[:500]}"
        return res
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(["ngspice", "-b", net], capture_output=True, text=True, cwd=workdir)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    with open(log, "w") as f:
        f.write(proc.stdout)
        f.write("\n---- stderr ----\n")
        f.write(proc.stderr)
    res.update({"wall": wall, "cpu": cpu, "netlist": net, "log": log})
    currents, digits = parse_ngspice_currents(proc.stdout, cols)
    if currents is None:
        res["error"] = f"ngspice exit {proc.returncode}; no complete i(vout0..{cols - 1}) lines (see {log})"
        return res
    res["i_out"] = currents
    res["printed_digits"] = digits
    res["analyses"] = proc.stdout.count("Doing analysis at TEMP")
    if proc.returncode != 0:
        res["warning"] = f"ngspice exit {proc.returncode}"
    return res


# --------------------------------------------------------------------------- #
# Machine and versions


def machine_info() -> dict:
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "nproc": nproc,
        "cpu": cpu or platform.processor() or platform.machine(),
        "memory": mem,
        "os": platform.platform(),
    }


def first_line(cmd: list[str]) -> str | None:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in (p.stdout + p.stderr).splitlines():
        line = line.strip(" *\t")
        if line:
            return line
    return None


def tool_versions(xbarsim: str, want_ngspice: bool) -> dict:
    def pkg(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    v = {
        "xbarsim": first_line([xbarsim, "--version"]),
        "xbarsim_path": os.path.abspath(xbarsim),
        "python": platform.python_version(),
        "numpy": pkg("numpy"),
        "scipy": pkg("scipy"),
        "badcrossbar": pkg("badcrossbar"),
    }
    if v["xbarsim"] and v["xbarsim"].startswith("xbarsim "):
        v["xbarsim"] = v["xbarsim"][len("xbarsim "):]
    if want_ngspice:
        ng = first_line(["ngspice", "--version"]) or ""
        m = re.search(r"ngspice-(\S+)", ng)
        v["ngspice"] = m.group(1) if m else ng or None
    return v


# --------------------------------------------------------------------------- #
# Report


def fmt_s(x) -> str:
    if x is None:
        return "–"
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1.0:
        return f"{x * 1e3:.2f} ms"
    return f"{x:.2f} s"


def fmt_ratio(x) -> str:
    return "–" if x is None else f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×"


def fmt_rel(x) -> str:
    return "–" if x is None else f"{x:.1e}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def row_targets(row: dict) -> list[dict]:
    t = []
    size = (row["rows"], row["cols"])
    if size == (256, 256):
        r = row.get("ratio_badcrossbar")
        t.append({"target": f"≥{TARGET_BC_SPEEDUP:g}× faster than badcrossbar at 256x256",
                  "value": r, "ok": None if r is None else r >= TARGET_BC_SPEEDUP})
    if size == (64, 64):
        r = row.get("ratio_ngspice")
        t.append({"target": f"≥{TARGET_NG_SPEEDUP:g}× faster than ngspice (CPU) at 64x64",
                  "value": r, "ok": None if r is None else r >= TARGET_NG_SPEEDUP})
    if size == (784, 200):
        s = row.get("xbarsim_seconds")
        t.append({"target": f"784x200 solve ≤ {TARGET_784_SECONDS * 1e3:g} ms",
                  "value": s, "ok": None if s is None else s <= TARGET_784_SECONDS})
    for peer in ("badcrossbar", "ngspice"):
        d = row.get(f"rel_diff_{peer}")
        ran = row.get(f"{peer}_seconds") is not None
        if d is not None or ran:
            t.append({"target": f"agreement with {peer} within {TARGET_AGREEMENT:g} at {row['size']}",
                      "value": d, "ok": None if d is None else d <= TARGET_AGREEMENT})
    return t


def short_targets(targets: list[dict]) -> str:
    parts = []
    for t in targets:
        name = t["target"]
        if name.startswith("agreement with badcrossbar"):
            key = "agree-bc"
        elif name.startswith("agreement with ngspice"):
            key = "agree-ng"
        elif "badcrossbar" in name:
            key = "≥10× bc"
        elif "ngspice" in name:
            key = "≥100× ng"
        else:
            key = "≤50 ms"
        parts.append(f"{key} {verdict(t['ok'])}")
    return ", ".join(parts) if parts else ""


def print_table(rows: list[dict]) -> None:
    head = ["size", "xbarsim solve", "iters", "xbarsim wall", "badcrossbar", "bc/xb",
            "ngspice CPU", "ng/xb", "rel diff bc", "rel diff ng", "targets"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        cells = [
            r["size"],
            fmt_s(r.get("xbarsim_seconds")) if not r.get("xbarsim_error") else "error",
            "–" if r.get("xbarsim_iterations") is None else str(r["xbarsim_iterations"]),
            fmt_s(r.get("xbarsim_wall")),
            fmt_s(r.get("badcrossbar_seconds")) if not r.get("badcrossbar_error") else "error",
            fmt_ratio(r.get("ratio_badcrossbar")),
            fmt_s(r.get("ngspice_cpu")) if not r.get("ngspice_error") else "error",
            fmt_ratio(r.get("ratio_ngspice")),
            fmt_rel(r.get("rel_diff_badcrossbar")),
            fmt_rel(r.get("rel_diff_ngspice")),
            short_targets(r["targets"]),
        ]
        print("| " + " | ".join(cells) + " |")


# --------------------------------------------------------------------------- #


def finite(x):
    """Non-finite floats as strings, so the JSON stays strict."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xbarsim", required=True, help="path of the xbarsim binary")
    ap.add_argument("--quick", action="store_true", help="32x32 and 64x64 only (smoke test)")
    ap.add_argument("--sizes", type=parse_sizes, help="e.g. 64,128,784x200 (N means NxN)")
    ap.add_argument("--no-ngspice", action="store_true", help="skip ngspice")
    ap.add_argument("--no-badcrossbar", action="store_true", help="skip badcrossbar")
    ap.add_argument("--repeat", type=int, default=5, help="xbarsim solve --repeat K (default 5)")
    ap.add_argument("--xbarsim-args", default="",
                    help="extra arguments for `xbarsim solve`, e.g. \"--threads 1\"")
    ap.add_argument("--r", type=float, default=1.0,
                    help="ohms per line segment, r_row = r_col (default 1; G_max·r = 1e-4·r)")
    ap.add_argument("--iv-v0", type=float, default=0.0,
                    help="cells of I = G·V0·sinh(V/V0), V0 in volts (the problem file's iv_v0; "
                         "default 0, linear); badcrossbar, which has linear cells only, is skipped")
    ap.add_argument("--out", help="directory for problems, netlists, logs and bench-solve.json "
                                  "(default: a new temporary directory)")
    args = ap.parse_args(argv)

    if not (os.path.isfile(args.xbarsim) and os.access(args.xbarsim, os.X_OK)):
        print(f"bench_solve: xbarsim binary not found or not executable: {args.xbarsim}", file=sys.stderr)
        return 2
    if args.repeat < 1:
        ap.error("--repeat must be ≥ 1")
    if not (args.r > 0 and math.isfinite(args.r)):
        ap.error("--r must be a finite resistance > 0 Ω")
    global R_LINE, IV_V0
    R_LINE = args.r
    if not (args.iv_v0 == 0 or 0.05 <= args.iv_v0 <= 100):
        ap.error("--iv-v0 must be 0 (linear cells) or in [0.05, 100] V (drives span up to 1 V: at most 20·V0)")
    IV_V0 = args.iv_v0
    if IV_V0 > 0 and not args.no_badcrossbar:
        print("bench_solve: --iv-v0: badcrossbar has linear cells only: skipped", file=sys.stderr)
        args.no_badcrossbar = True
    xb_extra = shlex.split(args.xbarsim_args)
    sizes = args.sizes or (QUICK_SIZES if args.quick else STANDARD_SIZES)
    indices = size_indices(sizes)
    out_dir = args.out or tempfile.mkdtemp(prefix="bench-solve-")
    os.makedirs(out_dir, exist_ok=True)
    out_dir = os.path.abspath(out_dir)

    want_bc = not args.no_badcrossbar
    want_ng = not args.no_ngspice
    if want_bc:
        try:
            load_badcrossbar()
        except ImportError as e:
            print(f"bench_solve: cannot import badcrossbar ({e}); use --no-badcrossbar", file=sys.stderr)
            return 2
    if want_ng and subprocess.run(["sh", "-c", "command -v ngspice"], capture_output=True).returncode != 0:
        print("bench_solve: ngspice not found; use --no-ngspice", file=sys.stderr)
        return 2

    machine = machine_info()
    versions = tool_versions(args.xbarsim, want_ng)
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']}, {machine['os']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if k != "xbarsim_path" and v))
    print(f"xbarsim: {versions['xbarsim_path']}")
    print(f"output: {out_dir}")
    solver = "" if "--solver" in xb_extra else " --solver iterative"
    print(f"xbarsim solve options: --repeat {args.repeat}{solver} {args.xbarsim_args}".rstrip())
    cells = f", cells I = G·V0·sinh(V/V0) with V0 = {IV_V0:g} V" if IV_V0 > 0 else ""
    print(f"problems: G ~ U[{G_LOW:g}, {G_HIGH:g}] S, v_in ~ U[0, 1] V, r_row = r_col = {R_LINE:g} Ω{cells}, "
          f"seed {SEED_BASE} + size index")
    print("", flush=True)

    rows = []
    notes = []
    errors = 0
    for (m, n), idx in zip(sizes, indices):
        name = label(m, n)
        problem = make_problem(m, n, idx)
        path = os.path.join(out_dir, f"problem-{name}.json")
        with open(path, "w") as f:
            json.dump(problem, f)
        row: dict = {"size": name, "rows": m, "cols": n, "seed": SEED_BASE + idx, "problem": path}
        print(f"[{name}] {('xbarsim solve --repeat ' + str(args.repeat) + ' ' + args.xbarsim_args).rstrip()} ...", file=sys.stderr, flush=True)

        xb = run_xbarsim(args.xbarsim, path, args.repeat, xb_extra)
        row["xbarsim_wall"] = xb.get("wall")
        row["xbarsim_repeat"] = args.repeat
        if "error" in xb:
            row["xbarsim_error"] = xb["error"]
            notes.append(f"{name}: xbarsim failed: {xb['error']}")
            errors += 1
        else:
            row["xbarsim_seconds"] = xb.get("seconds_solve")
            row["xbarsim_iterations"] = xb.get("iterations")
            row["xbarsim_residual"] = xb.get("residual")
            if "warning" in xb:
                notes.append(f"{name}: xbarsim: {xb['warning']}")
        xb_s = row.get("xbarsim_seconds")
        xb_i = xb.get("i_out")
        if xb_i is not None and len(xb_i) != n:
            notes.append(f"{name}: xbarsim i_out has {len(xb_i)} entries, expected {n}")

        if want_bc:
            print(f"[{name}] badcrossbar ...", file=sys.stderr, flush=True)
            try:
                bc = run_badcrossbar(problem)
                row["badcrossbar_seconds"] = bc["seconds"]
                row["badcrossbar_runs"] = bc["runs"]
                if xb_s:
                    row["ratio_badcrossbar"] = bc["seconds"] / xb_s
                row["rel_diff_badcrossbar"] = max_rel_diff(xb_i, bc["i_out"])
            except Exception as e:  # noqa: BLE001
                row["badcrossbar_error"] = repr(e)
                notes.append(f"{name}: badcrossbar failed: {e!r}")
                errors += 1

        if want_ng and m * n <= NGSPICE_MAX_CELLS:
            print(f"[{name}] ngspice ...", file=sys.stderr, flush=True)
            ng = run_ngspice(args.xbarsim, path, out_dir, f"net-{name}", n)
            if "error" in ng:
                row["ngspice_error"] = ng["error"]
                notes.append(f"{name}: ngspice failed: {ng['error']}")
                errors += 1
            else:
                row["ngspice_cpu"] = ng["cpu"]
                row["ngspice_seconds"] = ng["cpu"]
                row["ngspice_wall"] = ng["wall"]
                row["ngspice_printed_digits"] = ng["printed_digits"]
                if xb_s:
                    row["ratio_ngspice"] = ng["cpu"] / xb_s
                row["rel_diff_ngspice"] = max_rel_diff(xb_i, ng["i_out"])
                if ng["printed_digits"] < 10:
                    notes.append(f"{name}: ngspice printed only {ng['printed_digits']} significant digits, "
                                 f"so agreement with it is limited to ~{0.5 * 10 ** (1 - ng['printed_digits']):.0e} "
                                 "(put `set numdgt=16` before `print` in the netlist's .control block)")
                if ng["analyses"] > 1:
                    notes.append(f"{name}: ngspice ran the analysis {ng['analyses']} times (in batch mode a "
                                 ".control block without `quit` is followed by the dot-card analysis again); "
                                 "its time includes that")
                if "warning" in ng:
                    notes.append(f"{name}: {ng['warning']}")

        row["targets"] = row_targets(row)
        rows.append(row)

    print_table(rows)
    all_targets = [t for r in rows for t in r["targets"]]
    n_pass = sum(1 for t in all_targets if t["ok"] is True)
    n_fail = sum(1 for t in all_targets if t["ok"] is False)
    print()
    print("Targets:")
    for t in all_targets:
        v = t["value"]
        if v is None:
            vs = "not measured"
        elif "agreement" in t["target"]:
            vs = f"{v:.2e}"
        elif "ms" in t["target"]:
            vs = f"{v * 1e3:.2f} ms"
        else:
            vs = f"{v:,.1f}×"
        print(f"- {verdict(t['ok'])}: {t['target']} ({vs})")
    print(f"{n_pass} passed, {n_fail} failed")
    print()
    print("Columns: xbarsim solve = minimum solver wall time over --repeat runs (parse/print excluded); "
          "xbarsim wall = whole process for all repeats; badcrossbar = compute() in-process, output "
          "currents only, best of 2 up to 128x128, else 1 run; ngspice CPU = child user+sys CPU of "
          "`ngspice -b`; bc/xb and ng/xb = peer seconds / xbarsim solve seconds; rel diff = "
          "max_j |xbarsim_j − peer_j| / max_j |peer_j|.")
    if notes:
        print()
        print("Notes:")
        for s in notes:
            print(f"- {s}")

    report = {
        "machine": machine,
        "versions": versions,
        "settings": {
            "seed_base": SEED_BASE, "g_range": [G_LOW, G_HIGH], "v_range": [0.0, 1.0],
            "r_row": R_LINE, "r_col": R_LINE, "xbarsim_repeat": args.repeat,
            "xbarsim_args": xb_extra,
            "badcrossbar_mode": "node_voltages=False, all_currents=False",
            "ngspice_max_cells": NGSPICE_MAX_CELLS,
        },
        "rows": rows,
        "notes": notes,
        "targets": {"passed": n_pass, "failed": n_fail},
    }
    json_path = os.path.join(out_dir, "bench-solve.json")
    with open(json_path, "w") as f:
        json.dump(finite(report), f, indent=2, allow_nan=False, default=str)
    print()
    print(f"wrote {json_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
