import Foundation
import Testing
import TestSupport
@testable import KGateCore

/// The test run's timing table: kgate's records (`TimingLog`) and the script
/// that prints the slowest suites, tests, builds and boots (`scripts/test-times.py`).
@Suite(.tags(.unit)) struct TimingTests {
    @Test func recordsAppendAsJSONLinesAndReadBack() throws {
        let dir = try TestEnv.temporaryDirectory("timings")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("records.jsonl")
        let a = TimingLog.Record(kind: "build", what: "abc (12 objects)", seconds: 12.5, end: 1, context: "S/t()",
                                 outcome: "built", pid: 1)
        let b = TimingLog.Record(kind: "boot", what: "base seed 3", seconds: 2.25, end: 2, context: nil,
                                 outcome: "ok", pid: 2)
        TimingLog.append(a, to: file)
        TimingLog.append(b, to: file)
        // A torn or foreign line is skipped, not fatal.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{not json\n".utf8))
        try handle.close()
        #expect(TimingLog.read(file) == [a, b])
    }

    @Test func theTimesScriptRanksSuitesTestsBuildsAndBootsAndClosesWithCounts() throws {
        let dir = try TestEnv.temporaryDirectory("times-script")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("swift-test.log"), records = dir.appendingPathComponent("records.jsonl")
        try """
        ◇ Suite FastTests started.
        ✔ Test quick() passed after 0.010 seconds.
        ✔ Suite FastTests passed after 0.020 seconds.
        ✔ Test bisects() passed after 412.500 seconds.
        ✘ Test checks() failed after 95.250 seconds with 1 issue.
        ➜ Test boots() skipped: "no QEMU"
        ✘ Suite BisectEndToEndTests failed after 507.800 seconds with 1 issue.
        ✔ Suite "HTTPClient against a local server" passed after 3.000 seconds.
        ✘ Test run with 4 tests in 3 suites failed after 511.0 seconds with 1 issue.
        """.write(to: log, atomically: true, encoding: .utf8)
        try """
        {"kind":"build","what":"aaaa (1081 objects)","seconds":312.0,"end":1,"context":"S/cold()","outcome":"built","pid":1}
        {"kind":"build","what":"bbbb (0 objects)","seconds":1.0,"end":2,"outcome":"cached","pid":1}
        {"kind":"boot","what":"base seed 1 [deterministic]","seconds":14.0,"end":3,"context":"S/check()","outcome":"ok","pid":2}
        """.write(to: records, atomically: true, encoding: .utf8)
        // Two /proc/stat samples 100 s apart: 300 of 400 jiffies busy (idle 80 + iowait 20).
        let cpu = dir.appendingPathComponent("cpu.txt")
        try """
        1000 cpu  100 0 100 500 100 0 0 0 0 0
        1100 cpu  300 0 200 580 120 0 0 0 0 0
        """.write(to: cpu, atomically: true, encoding: .utf8)
        let script = TestEnv.packageRoot.appendingPathComponent("scripts/test-times.py")
        let r = try ProcessRunner.run("python3", [script.path, "--log", log.path, "--timings", records.path,
                                                  "--swift-build-seconds", "200", "--top", "2", "--cpu", cpu.path])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "swift build: 3m20s")
        let suites = try #require(lines.firstIndex { $0.hasPrefix("suites, slowest first (3,") })
        #expect(lines[suites + 1].contains("8m27s  BisectEndToEndTests  [failed]"))
        #expect(lines[suites + 2].contains("3.0s  HTTPClient against a local server"))
        let tests = try #require(lines.firstIndex { $0 == "slowest 2 tests:" })
        #expect(lines[tests + 1].contains("6m52s  bisects()") && lines[tests + 2].contains("checks()  [failed]"))
        let builds = try #require(lines.firstIndex { $0.hasPrefix("slowest 2 builds (2 in all, 5m13s; by outcome: built 1, cached 1)") })
        #expect(lines[builds + 1].contains("aaaa (1081 objects) built  [S/cold()]"))
        #expect(lines[builds + 2].contains("[no test named]"))
        #expect(lines.contains { $0.hasPrefix("slowest 2 boots (1 in all, 14.0s") })
        #expect(lines.contains("cores busy: 75 % of 100.0s"))
        #expect(lines.last == "swift-test: 2 passed, 1 failed, 1 skipped")
    }
}
