import Foundation
import KGateCore
import Testing

/// The one wait for children (`Supervisor.wait`): an exit, the deadline, a watcher that stops it, and ticks.
@Suite(.tags(.unit)) struct WaitTests {
    static func child(_ script: String) throws -> ChildProcess {
        try Supervisor.spawn(URL(fileURLWithPath: "/bin/sh"), ["-c", script], environment: ProcessInfo.processInfo.environment,
                             stdin: -1, stdout: -1, stderr: -1, label: "wait-test")
    }

    @Test func anExitIsReported() throws {
        let end = Supervisor.wait(try Self.child("exit 7"))
        #expect(end.exitCode == 7 && end.signal == nil && !end.timedOut && !end.stopped)
    }

    @Test func theDeadlineStopsTheChild() throws {
        let start = Date()
        let end = Supervisor.wait(try Self.child("exec sleep 30"), deadline: 0.3)
        #expect(end.timedOut && !end.stopped && end.signal == SIGTERM)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func theWatcherTicksAndStops() throws {
        var ticks = 0, polls = 0
        let end = Supervisor.wait(try Self.child("exec sleep 30"), tickInterval: 0.1) { elapsed, tick in
            polls += 1
            if tick { ticks += 1 }
            return elapsed > 0.55
        }
        #expect(end.stopped && !end.timedOut)
        #expect(ticks >= 3 && ticks <= 7, "ticks \(ticks)")
        #expect(polls > ticks)
    }
}
