#!/usr/bin/env python3
"""Where a test run's time went: suites and tests from the swift test log, kernel
builds and boots from kgate's timing records (KGATE_TIMINGS, one JSON line each,
written by kgate and the test process). scripts/test.sh runs it after the tests.

    test-times.py --log swift-test.log --timings records.jsonl [--swift-build-seconds N] [--top 20]

Prints the suites (slowest first), the slowest tests, builds and boots, the
totals, and last a plain closing line "swift-test: N passed, N failed, N skipped"
counted from the log's per-test lines.
"""
import argparse
import json
import re
import sys

# Swift Testing's result lines, e.g.
#   ✔ Suite BisectEndToEndTests passed after 754.123 seconds.
#   ✔ Suite "HTTPClient against a local server" passed after 0.5 seconds.
#   ✘ Test regressing() failed after 12.0 seconds with 1 issue.
#   ➜ Test boots() skipped: "no QEMU"
RESULT = re.compile(r'(Suite|Test) (.+?) (passed|failed) after ([0-9.]+) seconds')
SKIPPED = re.compile(r'Test (.+?) skipped')
RUN_LINE = re.compile(r'Test run with ')


def parse_log(path):
    suites, tests = [], []
    skipped = 0
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if RUN_LINE.search(line):
                continue
            m = RESULT.search(line)
            if m:
                kind, name, status, seconds = m.group(1), m.group(2).strip('"'), m.group(3), float(m.group(4))
                (suites if kind == 'Suite' else tests).append((seconds, name, status))
                continue
            if SKIPPED.search(line):
                skipped += 1
    return suites, tests, skipped


def read_records(path):
    records = []
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, dict) and isinstance(r.get('seconds'), (int, float)):
                    records.append(r)
    except FileNotFoundError:
        pass
    return records


def cpu_busy(path):
    """(busy share, seconds covered) from lines 'EPOCH cpu user nice system idle iowait irq softirq steal …'."""
    samples = []
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 9 and parts[1] == 'cpu':
                    try:
                        values = [int(v) for v in parts[2:10]]
                        samples.append((int(parts[0]), values))
                    except ValueError:
                        continue
    except FileNotFoundError:
        return None
    if len(samples) < 2:
        return None
    (t0, a), (t1, b) = samples[0], samples[-1]
    delta = [y - x for x, y in zip(a, b)]
    total = sum(delta)
    idle = delta[3] + delta[4]
    return ((total - idle) / total if total > 0 else 0.0), t1 - t0


def human(seconds):
    if seconds >= 120:
        return '%dm%02ds' % (seconds // 60, seconds % 60)
    return '%.1fs' % seconds


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--log', required=True)
    p.add_argument('--timings', required=True)
    p.add_argument('--swift-build-seconds', type=float)
    p.add_argument('--top', type=int, default=20)
    p.add_argument('--cpu', help='the /proc/stat samples scripts/test.sh takes')
    a = p.parse_args()

    suites, tests, skipped = parse_log(a.log)
    records = read_records(a.timings)
    out = []
    if a.swift_build_seconds is not None:
        out.append('swift build: %s' % human(a.swift_build_seconds))
    out.append('suites, slowest first (%d, %s in all):' % (len(suites), human(sum(s for s, _, _ in suites))))
    for seconds, name, status in sorted(suites, reverse=True):
        if seconds >= 1:
            out.append('  %8s  %s%s' % (human(seconds), name, '' if status == 'passed' else '  [' + status + ']'))
    out.append('slowest %d tests:' % a.top)
    for seconds, name, status in sorted(tests, reverse=True)[:a.top]:
        out.append('  %8s  %s%s' % (human(seconds), name, '' if status == 'passed' else '  [' + status + ']'))
    for kind in ('build', 'boot'):
        mine = [r for r in records if r.get('kind') == kind]
        total = sum(r['seconds'] for r in mine)
        out.append('slowest %d %ss (%d in all, %s; by outcome: %s):' % (
            a.top, kind, len(mine), human(total),
            ', '.join('%s %d' % (o, sum(1 for r in mine if r.get('outcome') == o))
                      for o in sorted({str(r.get('outcome')) for r in mine}))))
        for r in sorted(mine, key=lambda r: r['seconds'], reverse=True)[:a.top]:
            out.append('  %8s  %s %s  [%s]' % (human(r['seconds']), r.get('what', '?'), r.get('outcome', '?'),
                                               r.get('context') or 'no test named'))
    busy = cpu_busy(a.cpu) if a.cpu else None
    if busy:
        out.append('cores busy: %.0f %% of %s' % (100 * busy[0], human(busy[1])))
    passed = sum(1 for _, _, s in tests if s == 'passed')
    failed = sum(1 for _, _, s in tests if s == 'failed')
    out.append('swift-test: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
