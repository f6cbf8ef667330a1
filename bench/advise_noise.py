"""Does `runexp advise` give the right answer on a busy machine?

Five workloads whose answer the machine's physics fixes (bench/noise/*.yaml, each
sized so that a sync run lasts about 0.25 s on the 2-core development VM):

- sleep: waiting (16 sleeps of 15 ms): asyncio or threads, a pool of 16;
- gil:   CPU holding the GIL (20 x fib(26)): processes at about the core count;
- hash:  CPU releasing the GIL (16 x sha256 of 16 MiB): threads or processes;
- lock:  waiting behind a per-process lock (24 x 10 ms inside a module-level
         threading.Lock, bench/noise/noise_work.py): threads and asyncio serialise,
         only processes overlap: processes with a pool larger than the cores;
- mixed: 16 tasks of 4 ms pure-Python CPU + 12 ms waiting: several models level.

Per workload:

1. **reference**: a long, quiet measurement (no hog) of sync and of threads, asyncio
   and processes at pool sizes 2, 4, 8, 16 (capped by the task count, plus the task
   count itself up to 32), `--rounds` interleaved rounds through `runexp run`.
   It names the best configuration and model, and the models within `--tolerance`
   (default 10%, as bench/advise.py judged) of the best by the median per-round
   ratio: the acceptable models. Cached in `--reference` (default
   results/advise-noise/reference.json) and reused while the workload, its pool
   sizes and at least as many rounds match;
2. **tries**: `runexp advise` `--tries` times per hog mode, the modes alternating
   try by try (so that the machine's drift falls on both alike): quiet, and with a
   hog that spins on one core for 0.5-3 s, then sleeps 0.5-3 s (seeded), pinned to
   the highest usable core;
3. **score** (bench/noise_score.py): right when the named model is the reference's
   best or an acceptable model, or advise says tie with the best as runner-up;
   honesty violations: a reason claiming significance at p >= 0.05, a tie without
   a ratio_vs_runner_up interval within 1 +- `--precision`. Fields the advice
   lacks (older advise: ratio_vs_runner_up, others_cores) are shown as n/a.
   "bench" is this script's own measure of other programs' cores during the whole
   try (/proc/stat less this process tree; the hog included), "others" advise's
   ``others_cores`` (during the chosen configuration's runs).

The hog (bench/hog.py) is killed at the end of each try, on error and on Ctrl-C;
advise's run directories go to a temporary folder, removed at the end (--keep
keeps it). `--tries 0` measures (or shows) the references only.

    python bench/advise_noise.py [--tries 4] [--budget 60] [--hog both] [--rounds 10]
        [--only NAME ...] [--json PATH] [--reference PATH] [--no-reference-rerun]
        [--fresh-reference] [--quick] [--tolerance 0.10] [--precision 0.05]

Exit status 0 whatever advise answered (130 on Ctrl-C, after printing what finished).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import ROOT
from hog import DEFAULT_PERIOD_S, Hog, OthersMeter
from noise_run import NOISE, get_reference, run_cli, spec, tail
from noise_score import Reference, reference, score

WORKLOADS = {
    "sleep": "waiting: asyncio or threads, a pool of 16 (the task count)",
    "gil": "CPU holding the GIL: processes at about the core count",
    "hash": "CPU releasing the GIL: threads or processes at about the core count",
    "lock": "waiting behind a per-process lock: processes, a pool larger than the cores",
    "mixed": "mixed CPU and waiting: several models level (a tie)",
}
QUIET_OTHERS = 0.3  # cores: above this the reference was not measured on a quiet machine


@dataclass
class Try:
    workload: str
    hog: str
    index: int
    seed: int
    record: dict[str, Any]


def show_reference(name: str, held: dict[str, Any], ref: Reference) -> None:
    others = held.get("others_cores")
    quiet = "" if others is None or others <= QUIET_OTHERS else (
        "  NOT QUIET: measure it again later with --fresh-reference")
    print(f"  reference: best {ref.best} {ref.medians[ref.best]:.4f} s; other programs "
          f"{others if others is None else round(others, 2)} cores{quiet}", flush=True)
    for s in ref.models:
        print(f"    {s.model:<9} best {s.config:<13} {s.median_s:.4f} s  "
              f"{s.ratio:.2f}x the best per round", flush=True)
    print(f"  acceptable (within {ref.tolerance:.0%}): {', '.join(ref.acceptable)}; "
          f"expected: {WORKLOADS[name]}", flush=True)


def advise_once(name: str, hog: str, index: int, seed: int, ref: Reference,
                args: argparse.Namespace, folder: Path) -> Try:
    out = folder / f"{name}-{hog}-{index}"
    argv = ["advise", str(NOISE / f"{name}.yaml"), "--budget", str(args.budget),
            "--precision", str(args.precision), "--out", str(out)]
    if args.max_pool:
        argv += ["--max-pool", str(args.max_pool)]
    load = os.getloadavg()[0]
    with Hog(hog, seed=seed, period_s=(args.hog_period[0], args.hog_period[1])) as hogged:
        start = time.perf_counter()
        with OthersMeter() as meter:
            code = run_cli(argv, folder / f"{out.name}.log", args.budget * 1.5 + 120)
        wall = time.perf_counter() - start
    record: dict[str, Any] = {
        "workload": name, "hog": hog, "try": index, "hog_seed": seed, "exit": code,
        "wall_s": round(wall, 2), "load_before": load,
        "bench_others_cores": _round(meter.others_cores), "hog_duty": _round(hogged.duty),
        "hog_cpu": hogged.cpu if hog != "off" else None}
    advice_file = out / "advice.json"
    document = json.loads(advice_file.read_text()) if advice_file.exists() else None
    entries = (document or {}).get("advice") or []
    entry = entries[0] if entries else None
    judged = score(entry, ref, args.precision)
    record.update({
        "answer": judged.answer, "tie": entry.get("tie") if entry else None,
        "right": judged.right, "why": judged.why, "violations": judged.violations,
        "new_format": judged.new_format,
        "seconds_used": (document or {}).get("seconds_used"),
        "runs_used": (document or {}).get("runs_used"),
        "budget_exhausted": (document or {}).get("budget_exhausted"),
        "others_cores": entry.get("others_cores") if entry else None,
        "advice": entry})
    if document is None:
        print(f"    advise wrote no advice.json (exit {code}):\n"
              f"{tail(folder / f'{out.name}.log')}", flush=True)
    return Try(name, hog, index, seed, record)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def show_try(t: Try, tries: int) -> None:
    r = t.record
    ratio = (r["advice"] or {}).get("ratio_vs_runner_up")
    shown = (f"ratio {ratio.get('median')} {ratio.get('ci95')} {ratio.get('verdict')}"
             if isinstance(ratio, dict) else "ratio n/a")
    others = "n/a" if r["others_cores"] is None else f"{r['others_cores']:.2f}"
    print(f"  {t.hog:<6} try {t.index + 1}/{tries}: {r['answer']}"
          f"{' (tie)' if r['tie'] else ''} -> {'right' if r['right'] else 'WRONG'} "
          f"({r['why']}); {r['seconds_used']} s, {r['runs_used']} runs; {shown}; others "
          f"{others} (bench {r['bench_others_cores']}, hog duty {r['hog_duty']}); "
          f"violations: {'; '.join(r['violations']) or 'none'}", flush=True)


def _median(values: list[Any]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _shown(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def table(tries: list[Try]) -> list[dict[str, Any]]:
    rows = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in tries:
        groups.setdefault((t.workload, t.hog), []).append(t.record)
    print(f"\n{'workload':<8} {'hog':<6} {'tries':>5} {'right':>5} {'right%':>6} "
          f"{'violations':>10} {'s used':>7} {'runs':>5} {'others':>6} {'bench':>6}  answers")
    for (workload, hog), records in groups.items():
        right = sum(r["right"] for r in records)
        row = {"workload": workload, "hog": hog, "tries": len(records), "right": right,
               "right_pct": round(100 * right / len(records)),
               "violations": sum(len(r["violations"]) for r in records),
               "seconds_used": _median([r["seconds_used"] for r in records]),
               "runs_used": _median([r["runs_used"] for r in records]),
               "others_cores": _median([r["others_cores"] for r in records]),
               "bench_others_cores": _median([r["bench_others_cores"] for r in records]),
               "answers": dict(Counter(r["answer"] + (" tie" if r["tie"] else "")
                                       for r in records))}
        rows.append(row)
        answers = ", ".join(f"{a} x{n}" for a, n in row["answers"].items())
        print(f"{workload:<8} {hog:<6} {row['tries']:>5} {right:>5} {row['right_pct']:>5}% "
              f"{row['violations']:>10} {_shown(row['seconds_used'], 1):>7} "
              f"{_shown(row['runs_used'], 0):>5} {_shown(row['others_cores']):>6} "
              f"{_shown(row['bench_others_cores']):>6}  {answers}")
    return rows


def overall(tries: list[Try]) -> str:
    parts = []
    for hog in dict.fromkeys(t.hog for t in tries):
        mine = [t for t in tries if t.hog == hog]
        right = sum(t.record["right"] for t in mine)
        label = "quiet" if hog == "off" else f"hog {hog}"
        parts.append(f"{right} of {len(mine)} ({100 * right / len(mine):.0f}%) {label}")
    violations = sum(len(t.record["violations"]) for t in tries)
    formats = {t.record["new_format"] for t in tries if t.record.get("advice")}
    note = "" if formats <= {True} else (
        "; advice without ratio_vs_runner_up/others_cores (older advise): those checks "
        "read n/a, a tie counts as a violation")
    return f"answers right: {', '.join(parts)}; honesty violations: {violations}{note}"


def dump(path: Path | None, args: argparse.Namespace, refs: dict[str, Reference],
         tries: list[Try], rows: list[dict[str, Any]] | None = None) -> None:
    if path is None:
        return
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "host": platform.node(), "python": platform.python_version(),
        "cores": len(os.sched_getaffinity(0)), "options": options,
        "reference": {name: ref.as_dict() for name, ref in refs.items()},
        "tries": [t.record for t in tries], "table": rows}, indent=1), encoding="utf-8")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Workloads: " + "; ".join(f"{k}: {v}" for k, v in WORKLOADS.items()))
    parser.add_argument("--tries", type=int, default=4, help="advise runs per workload and "
                        "hog mode (default 4)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="advise's --budget per try, seconds (default 60)")
    parser.add_argument("--precision", type=float, default=0.05,
                        help="advise's --precision; a tie's interval must lie within "
                             "1 +- this (default 0.05)")
    parser.add_argument("--tolerance", type=float, default=0.10,
                        help="models within this of the reference's best are acceptable "
                             "(default 0.10)")
    parser.add_argument("--max-pool", type=int, default=None, help="advise's --max-pool")
    parser.add_argument("--hog", choices=["off", "onoff", "steady", "both"], default="both",
                        help="interference during the tries: none, a hog on and off, one "
                             "spinning throughout, or both off and onoff (default)")
    parser.add_argument("--hog-period", type=float, nargs=2, metavar=("MIN", "MAX"),
                        default=list(DEFAULT_PERIOD_S),
                        help="range of the hog's on and off periods, seconds (0.5 3)")
    parser.add_argument("--hog-seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=10,
                        help="interleaved rounds of the reference (default 10)")
    parser.add_argument("--reference", type=Path,
                        default=ROOT / "results" / "advise-noise" / "reference.json",
                        help="reference cache (default results/advise-noise/reference.json)")
    parser.add_argument("--no-reference-rerun", action="store_true",
                        help="never measure a reference: use the cache's, whatever its "
                             "rounds; a workload without one is skipped")
    parser.add_argument("--fresh-reference", action="store_true",
                        help="measure the reference again even where the cache has one")
    parser.add_argument("--only", action="append", default=[], choices=list(WORKLOADS),
                        metavar="NAME", help="run only this workload (repeatable)")
    parser.add_argument("--json", type=Path, default=None, help="write every try here")
    parser.add_argument("--keep", action="store_true",
                        help="keep advise's run directories (the folder is printed)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke check: 1 try, budget 20 s, reference 3 rounds")
    args = parser.parse_args()
    if args.quick:
        args.tries, args.budget, args.rounds = 1, min(args.budget, 20.0), min(args.rounds, 3)
    if args.no_reference_rerun and args.fresh_reference:
        parser.error("--no-reference-rerun and --fresh-reference contradict each other")
    return args


def main() -> int:
    args = parse()
    hogs = ["off", "onoff"] if args.hog == "both" else [args.hog]
    names = args.only or list(WORKLOADS)
    rerun = ("never" if args.no_reference_rerun else "always" if args.fresh_reference
             else "if needed")
    cache = json.loads(args.reference.read_text()) if args.reference.exists() else {}
    folder = Path(tempfile.mkdtemp(prefix="advise-noise-"))
    refs: dict[str, Reference] = {}
    tries: list[Try] = []
    print(f"advise under noise: {', '.join(names)}; {args.tries} tries x hog "
          f"{'/'.join(hogs)}; budget {args.budget:g} s; {len(os.sched_getaffinity(0))} "
          f"usable cores; work in {folder}", flush=True)
    code = 0
    try:
        for number, name in enumerate(names):
            print(f"{name}: {spec(name)['workloads'][0]}", flush=True)
            held = get_reference(name, cache, args.reference, args.rounds, rerun, folder)
            if held is None:
                continue
            refs[name] = reference(held["walls"], args.tolerance)
            show_reference(name, held, refs[name])
            for index in range(args.tries):
                for hog in hogs:
                    seed = args.hog_seed + 1000 * number + index
                    tries.append(advise_once(name, hog, index, seed, refs[name], args,
                                             folder))
                    show_try(tries[-1], args.tries)
                    dump(args.json, args, refs, tries)
    except KeyboardInterrupt:
        print("\ninterrupted: what finished follows", flush=True)
        code = 130
    finally:
        if args.keep:
            print(f"run directories kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if tries:
        rows = table(tries)
        print("\n" + overall(tries))
        dump(args.json, args, refs, tries, rows)
    return code


if __name__ == "__main__":
    sys.exit(main())
