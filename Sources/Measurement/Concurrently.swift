import Dispatch
import Foundation
import KGateCore
import Synchronization

/// How many deterministic-mode guests this process runs at once.
///
/// A deterministic guest is one single-threaded TCG vCPU whose clock follows
/// its instructions (`-icount shift=0,sleep=off`): sharing the host's cores
/// slows it down but does not move its figures. So seeded boots run side by
/// side, one per core, bounded by memory (2 GiB per guest, for 1 GiB of guest
/// RAM and QEMU's own). Base and candidate, and the trials of one kernel,
/// draw from the same slots. Real-time modes never share: their trials run
/// one at a time, interleaved. `KGATE_PARALLEL_BOOTS=N` overrides the count
/// (1 gives the sequential order of earlier versions).
public enum BootSlots {
    public static let count: Int = {
        let env = ProcessInfo.processInfo.environment["KGATE_PARALLEL_BOOTS"].flatMap { Int($0) }
        return env.map { max(1, min($0, 64)) } ?? hostCount
    }()

    /// One guest per online CPU, at most one per 2 GiB of physical memory.
    public static var hostCount: Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let byMemory = Int(ProcessInfo.processInfo.physicalMemory / (2 << 30))
        return max(1, min(cores, byMemory))
    }

    private static let slots = DispatchSemaphore(value: count)

    /// Runs `body` while holding one slot.
    public static func hold<R>(_ body: () throws -> R) rethrows -> R {
        slots.wait()
        defer { slots.signal() }
        return try body()
    }

    /// The one seeded fan-out: `body` for each boot, seeded boots side by side
    /// (each holding a slot), real-time boots one at a time. Results in the order
    /// of `boots`; after a failure no new boot starts.
    public static func fanOut<T: Sendable, R: Sendable>(_ boots: [T], seeded: Bool,
                                                        _ body: @escaping @Sendable (T) throws -> R) -> [Result<R, Error>] {
        Concurrently.map(boots, width: seeded ? count : 1) { boot in
            seeded ? try hold { try body(boot) } : try body(boot)
        }
    }
}

/// Runs work on threads and waits for all of it.
enum Concurrently {
    /// `body` for each element on its own thread.
    static func run<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) throws -> R) -> [Result<R, Error>] {
        map(items, width: items.count, body)
    }

    /// `body` for each element with at most `width` running at once, started in
    /// order; results in the order of `items`. After a failure no further
    /// element starts (those get `Skipped`), so the first failure in order is
    /// always a real one: every element before it had started.
    static func map<T: Sendable, R: Sendable>(_ items: [T], width: Int,
                                              _ body: @escaping @Sendable (T) throws -> R) -> [Result<R, Error>] {
        let state = Shared(State<R>(results: Array(repeating: nil, count: items.count)))
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width, items.count)) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let claim: Int? = state.value.withLock { s in
                        guard s.next < items.count else { return nil }
                        defer { s.next += 1 }
                        if s.failed { s.results[s.next] = .failure(Skipped()); return -1 }
                        return s.next
                    }
                    guard let i = claim else { return }
                    guard i >= 0 else { continue }
                    let result = Result { try body(items[i]) }
                    state.value.withLock { s in
                        s.results[i] = result
                        if case .failure = result { s.failed = true }
                    }
                }
            }
        }
        group.wait()
        return state.value.withLock { s in
            s.results.map { $0 ?? .failure(KGateError.infrastructure("a measurement thread did not finish")) }
        }
    }

    /// An element not started because an earlier one failed.
    struct Skipped: Error {}

    private struct State<R: Sendable>: Sendable {
        var next = 0
        var failed = false
        var results: [Result<R, Error>?]
    }

    /// A mutex the worker threads share.
    private final class Shared<V: Sendable>: Sendable {
        let value: Mutex<V>
        init(_ v: V) { value = Mutex(v) }
    }
}
