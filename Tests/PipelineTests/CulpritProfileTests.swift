import Foundation
import Synchronization
import KGateCore
import KernelTree
import Measurement
import Results
import Testing
import TestSupport
import Workloads
@testable import Pipeline

/// `ProfileStage.culprit` (the profile of a bisection's culprit against its first
/// parent) asks for no kernel, boots nothing and records nothing when it cannot
/// give a deterministic profile; the booting path is `BisectEndToEndTests`'.
@Suite(.tags(.unit)) struct CulpritProfileTests {
    static let parent = String(repeating: "b", count: 40)

    static func commit(parents: [String] = [parent]) -> CommitInfo {
        CommitInfo(oid: String(repeating: "a", count: 40), treeOID: String(repeating: "c", count: 40),
                   subject: "tcp: audit the receive window", message: "", authorName: "A", authorEmail: "a@example.org",
                   date: Date(timeIntervalSince1970: 0), parents: parents)
    }

    /// The stage in `mode`, its store, and the revisions it asked to build.
    static func culprit(_ mode: MeasurementMode, commit: CommitInfo = commit(),
                        image: @escaping @Sendable (String) -> URL? = { _ in nil }) throws
        -> (profile: Bool, asked: [String], stored: Int) {
        let dir = try TestEnv.temporaryDirectory("culprit-profile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ResultStore(url: dir.appendingPathComponent("results.sqlite"))
        let recorder = try RunRecorder(store: store, start: RunStart(kind: .bisect, tree: "t", mode: mode.rawValue, pipeline: "p"))
        let guest = GuestSetup(image: dir.appendingPathComponent("image.cpio"), mode: mode, memoryMiB: 1024,
                               paths: CachePaths(root: dir.appendingPathComponent("cache")))
        let spec = try #require(try WorkloadLoader.builtins().first { $0.name == "tcp-stream-10ms" })
        let asked = Mutex<[String]>([])
        let profile = ProfileStage(guest: guest, recorder: recorder, console: Console(interactive: false))
            .culprit(commit, spec: spec, clock: StageClock(console: Console(interactive: false))) { revision in
                asked.withLock { $0.append(revision) }
                return image(revision)
            }
        try store.finishRun(run: recorder.run, verdicts: [], exitCode: 0)
        return (profile != nil, asked.withLock { $0 }, try store.report(run: recorder.run).profiles?.count ?? 0)
    }

    @Test func outsideDeterministicModeNothingIsBuiltOrBooted() throws {
        for mode in [MeasurementMode.kvm, .tcg] {
            let r = try Self.culprit(mode, image: { _ in URL(fileURLWithPath: "/nonexistent/bzImage") })
            #expect(!r.profile && r.asked.isEmpty && r.stored == 0, "\(mode)")
        }
    }

    @Test func aParentThatDoesNotBuildGivesNoProfile() throws {
        let r = try Self.culprit(.deterministic, image: { $0 == Self.parent ? nil : URL(fileURLWithPath: "/nonexistent/bzImage") })
        #expect(!r.profile && r.stored == 0)
        #expect(r.asked.first == Self.parent, "the first parent is the base")
    }

    @Test func aKernelWithoutSymbolsIsAWarningNotAnError() throws {
        // Both build (no System.map beside them): the stage warns and records nothing.
        let r = try Self.culprit(.deterministic, image: { _ in URL(fileURLWithPath: "/nonexistent/bzImage") })
        #expect(!r.profile && r.stored == 0 && r.asked == [Self.parent, Self.commit().oid])
    }

    @Test func aRootCommitHasNothingToBeComparedWith() throws {
        let r = try Self.culprit(.deterministic, commit: Self.commit(parents: []),
                                 image: { _ in URL(fileURLWithPath: "/nonexistent/bzImage") })
        #expect(!r.profile && r.asked.isEmpty)
    }
}
