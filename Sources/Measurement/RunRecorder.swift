import Foundation
import Synchronization
import Gate
import KGateCore
import KernelProfile
import Results

/// Writes one run to the results store as it happens. Each write is its own
/// transaction; the verdicts and the exit code are written together at the end,
/// so an interrupted run reads back as interrupted with no half-written verdict.
public final class RunRecorder: Sendable {
    public let store: ResultStore
    public let run: Int64
    /// One write at a time: base and candidate threads record concurrently.
    private let lock = Mutex(())

    /// The supervisor's interrupt hook: a SIGINT/SIGTERM/SIGHUP records the run as interrupted.
    private let interruptHook: UInt64

    public init(store: ResultStore, start: RunStart) throws {
        self.store = store
        let run = try store.beginRun(start)
        self.run = run
        interruptHook = Supervisor.onInterrupt { signal in
            try? store.markInterrupted(run: run, exitCode: KGateExitCode.interrupted(by: signal),
                                       note: "interrupted by signal \(signal) before the verdict")
        }
    }

    deinit { Supervisor.release(interruptHook) }

    public func commits(_ commits: [RunCommit]) throws {
        try locked { try store.recordCommits(run: run, commits) }
    }

    public func build(_ info: BuildInfo) throws {
        try locked { _ = try store.recordBuild(run: run, info) }
    }

    public func boot(_ info: BootInfo) throws {
        try locked { _ = try store.recordBoot(run: run, info) }
    }

    /// One boot and its samples, one trial row per (workload, trial index).
    public func trials(_ kernel: KernelUnderTest, samples: [Sample], boot: BootInfo) throws {
        try locked {
            let bootID = try store.recordBoot(run: run, boot)
            let groups = Dictionary(grouping: samples) { "\($0.workload)#\($0.trial)" }
            for key in groups.keys.sorted() {
                guard let group = groups[key] else { continue }
                _ = try store.recordTrial(run: run, role: kernel.role, revision: kernel.revision, boot: bootID, samples: group)
            }
        }
    }

    public func profile(_ comparison: ProfileComparison) throws {
        try locked { try store.recordProfile(run: run, comparison) }
    }

    public func bisectStep(_ step: BisectStep) throws {
        try locked { try store.recordBisectStep(run: run, step) }
    }

    public func finish(verdicts: [WorkloadVerdict], exitCode: Int32, clock: StageClock, note: String? = nil,
                       failed: Bool = false) throws {
        Supervisor.release(interruptHook)
        try locked {
            for entry in clock.breakdown {
                try store.recordStage(run: run, StageTiming(stage: entry.stage, seconds: entry.seconds))
            }
            try store.finishRun(run: run, verdicts: verdicts, exitCode: exitCode, status: failed ? .failed : .finished,
                                note: note)
        }
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { _ in try body() }
    }
}
