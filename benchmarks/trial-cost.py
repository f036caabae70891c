#!/usr/bin/env python3
"""Spread and cost of one workload setting: reads `kgate run --json` lines
(one per trial) and the run's timing log (KGATE_TIMINGS: one record per boot,
with QEMU's CPU seconds and the guest's seconds per phase).
usage: trial-cost.py LABEL RUN.json TIMINGS.jsonl   (prints one table row)
       trial-cost.py --header"""
import json, statistics, sys

PHASES = ["boot", "setup", "snapshot", "measure", "collect", "teardown"]

def header():
    print(f"{'setting':<26} {'n':>3} {'median':>12} {'CV':>7} {'range':>7} {'CPU s/trial':>11} "
          f"{'guest s':>7}  " + " ".join(f"{p:>8}" for p in PHASES))

def row(label, runs, timings):
    values = [json.loads(l)["value"] for l in open(runs) if l.startswith("{")]
    boots = [json.loads(l) for l in open(timings) if l.startswith("{")]
    boots = [b for b in boots if b.get("kind") == "boot" and b.get("outcome") != "replayed"]
    if not values or not boots:
        print(f"{label:<26} no trials"); return
    med = statistics.median(values)
    cv = statistics.stdev(values) / statistics.mean(values) * 100 if len(values) > 1 else float("nan")
    spread = (max(values) - min(values)) / med * 100
    cpu = statistics.mean(b.get("cpuSeconds") or 0 for b in boots)
    guest = [b.get("guestSeconds") or {} for b in boots]
    total = statistics.mean(g.get("total", 0) for g in guest)
    phase = {p: statistics.mean(g.get(p, 0) + (g.get("plan", 0) if p == "setup" else 0)
                                for g in guest) for p in PHASES}
    # poweroff and teardown are both the end of the boot
    phase["teardown"] += statistics.mean(g.get("poweroff", 0) for g in guest)
    print(f"{label:<26} {len(values):>3} {med/1e6:>8.1f} Mb/s {cv:>6.2f}% {spread:>6.2f}% {cpu:>11.2f} "
          f"{total:>7.2f}  " + " ".join(f"{phase[p]:>8.2f}" for p in PHASES))

if __name__ == "__main__":
    if sys.argv[1:] == ["--header"]: header()
    else: row(*sys.argv[1:4])
