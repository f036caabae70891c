import Foundation
import KGateCore
import Synchronization
import Testing
import TestSupport
@testable import Measurement

/// Seeded boots run side by side (`Concurrently.map`, `BootSlots`): results in
/// the order asked, never more at once than the width, nothing new after a failure.
@Suite(.tags(.unit)) struct ConcurrentlyTests {
    final class Gauge: Sendable {
        let state = Mutex((now: 0, peak: 0, started: [Int]()))
        func enter(_ i: Int) { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now); $0.started.append(i) } }
        func leave() { state.withLock { $0.now -= 1 } }
    }

    @Test func resultsKeepTheOrderOfTheItemsAndTheWidthBoundsTheThreads() throws {
        let gauge = Gauge()
        let results = Concurrently.map(Array(0..<9), width: 3) { i -> Int in
            gauge.enter(i)
            defer { gauge.leave() }
            // Later items finish first: order must come from the index, not from completion.
            Thread.sleep(forTimeInterval: 0.01 * Double(9 - i))
            return i * i
        }
        #expect(try results.map { try $0.get() } == (0..<9).map { $0 * $0 })
        let peak = gauge.state.withLock { $0.peak }
        #expect(peak <= 3 && peak >= 2, "peak \(peak) threads at once")
    }

    @Test func afterAFailureNothingNewStartsAndTheFirstFailureInOrderIsReal() throws {
        struct Boom: Error, Equatable { var i: Int }
        let gauge = Gauge()
        let results = Concurrently.map(Array(0..<20), width: 2) { i -> Int in
            gauge.enter(i)
            defer { gauge.leave() }
            if i == 3 { throw Boom(i: 3) }
            Thread.sleep(forTimeInterval: 0.02)
            return i
        }
        let started = gauge.state.withLock { $0.started }
        #expect(started.max() ?? 0 <= 4, "at most one more item starts beside the failing one: \(started.sorted())")
        let firstFailure = results.firstIndex { if case .failure = $0 { true } else { false } }
        #expect(firstFailure == 3)
        #expect(throws: Boom(i: 3)) { _ = try results.flatMap { [try $0.get()] } }
        #expect(results[19].isSkipped)
    }

    @Test func oneSlotRunsOneAtATime() {
        let gauge = Gauge()
        _ = Concurrently.map(Array(0..<5), width: 1) { i in
            gauge.enter(i)
            gauge.leave()
        }
        #expect(gauge.state.withLock { $0.peak } == 1)
        #expect(gauge.state.withLock { $0.started } == [0, 1, 2, 3, 4])
    }

    @Test func hostSlotsFollowCoresAndMemory() {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(BootSlots.hostCount >= 1 && BootSlots.hostCount <= cores)
        #expect(BootSlots.count >= 1)
    }
}

extension Result {
    var isSkipped: Bool {
        if case .failure(let e) = self { return e is Concurrently.Skipped }
        return false
    }
}

/// Two independent stages at once (the candidate's build and the guest's preparation).
@Suite(.tags(.unit)) struct SideBySidePairTests {
    struct Failed: Error, Equatable { var which: Int }

    @Test func bothRunAtOnceAndTheFirstFailureOutranksTheSecond() throws {
        let gauge = ConcurrentlyTests.Gauge()
        let (a, b) = try SideBySide.pair({ () -> Int in
            gauge.enter(0); defer { gauge.leave() }; usleep(300_000); return 1
        }, { () -> String in
            gauge.enter(1); defer { gauge.leave() }; usleep(300_000); return "two"
        })
        #expect(a == 1 && b == "two")
        #expect(gauge.state.withLock { $0.peak } == 2)
        #expect(throws: Failed(which: 1)) {
            try SideBySide.pair({ () -> Int in usleep(100_000); throw Failed(which: 1) }, { () -> Int in throw Failed(which: 2) })
        }
        #expect(throws: Failed(which: 2)) { try SideBySide.pair({ 1 }, { () -> Int in throw Failed(which: 2) }) }
    }
}
