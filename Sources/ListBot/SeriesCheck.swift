import Foundation
import Gate
import KGateCore
import KernelTree
import PatchSeries
import Pipeline
import Results

/// What the watcher asks for one series.
public struct SeriesJob: Sendable {
    public var key: WatchKey
    public var version: Int
    public var name: String
    public var patchCount: Int
    /// `--report-root DIR` → `DIR/<series id>/`.
    public var reportDir: URL?
}

/// A check's result, classified for patchwork.
public struct SeriesResult: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        case pass, regression, brokenPatch = "broken-patch", inconclusive, fault, skipped
    }
    public var verdict: Verdict
    /// One line with the figure (`tcp-stream-10ms −7.1 % [−7.9, −6.6] at 6+6`).
    public var description: String
    public var run: Int64?

    public init(verdict: Verdict, description: String, run: Int64? = nil) {
        self.verdict = verdict; self.description = description; self.run = run
    }

    /// pass → success; regression, broken patch → fail; the rest → warning (a fault is never fail).
    public var checkState: PatchworkClient.CheckState {
        switch verdict {
        case .pass: return .success
        case .regression, .brokenPatch: return .fail
        case .inconclusive, .fault, .skipped: return .warning
        }
    }

    /// From `kgate check`'s outcome: its exit code and the worst workload's figure.
    public static func from(exitCode: Int32, verdicts: [WorkloadVerdict], run: Int64?) -> SeriesResult {
        let verdict: Verdict = exitCode == KGateExitCode.pass ? .pass
            : exitCode == KGateExitCode.regression ? .regression
            : exitCode == KGateExitCode.inconclusive ? .inconclusive : .fault
        let overall = GateOutcome.overall(verdicts.map(\.verdict.outcome))
        let worst = verdicts.first { $0.verdict.outcome == overall } ?? verdicts.first
        var text = "\(overall.rawValue)"
        if let worst { text += ": " + figure(worst) }
        if verdicts.count > 1 { text += " (worst of \(verdicts.count) workloads)" }
        return SeriesResult(verdict: verdict, description: text, run: run)
    }

    /// A check that ended in an error: a broken patch (exit 2) names what broke;
    /// anything else is the machine's (warning, retried).
    public static func from(error: KGateError) -> SeriesResult {
        let what = error.what.split(separator: "\n").first.map(String.init) ?? error.what
        if error.exitCode == KGateExitCode.brokenPatch {
            return SeriesResult(verdict: .brokenPatch, description: "broken patch: " + String(what.prefix(300)))
        }
        return SeriesResult(verdict: .fault, description: "machine fault, not the patch: " + String(what.prefix(300)))
    }

    /// `tcp-stream-10ms −7.1 % [−7.9, −6.6] at 6+6`.
    public static func figure(_ v: WorkloadVerdict) -> String {
        let a = v.verdict.analysis
        func signed(_ x: Double, unit: Bool) -> String {
            if !x.isFinite { return x < 0 ? "−∞" : "+∞" }
            let body = String(format: "%.1f", abs(x * 100))
            let sign = body == "0.0" ? "" : (x < 0 ? "−" : "+")
            return sign + body + (unit ? " %" : "")
        }
        return "\(v.workload) \(signed(a.effect, unit: true)) [\(signed(a.lower, unit: false)), "
            + "\(signed(a.upper, unit: false))] at \(a.baseCount)+\(a.candidateCount)"
    }
}

/// Checks one series: locally (`LocalSeriesChecker`, as `kgate check` does) or by
/// handing it to a CI engine (`HandoffSeriesChecker`). Tests give their own.
public protocol SeriesChecker: Sendable {
    /// nil when the series was handed off (the CI engine posts its checks).
    func check(_ job: SeriesJob) throws -> SeriesResult?
}

/// `kgate check` on the patchwork series, through the one `CheckDriver`.
public struct LocalSeriesChecker: SeriesChecker {
    public var paths: CachePaths
    public var tree: String?
    public var pipeline: String?
    public var mode: MeasurementMode?
    /// `git fetch --all` in the tree before each check when it has a remote (`--no-fetch`: never).
    public var fetch: Bool
    public var console: Console

    public init(paths: CachePaths, tree: String?, pipeline: String?, mode: MeasurementMode? = nil, fetch: Bool = true,
                console: Console = .shared) {
        self.paths = paths; self.tree = tree; self.pipeline = pipeline; self.mode = mode; self.fetch = fetch
        self.console = console
    }

    public func check(_ job: SeriesJob) throws -> SeriesResult? {
        if fetch, let tree { try Self.fetch(tree: TreeStore(paths: paths).open(tree).info, console: console) }
        let request = CheckRequest(tree: tree, series: nil,
                                   patchwork: PatchworkSeriesRef(baseURL: job.key.server, seriesID: job.key.seriesID),
                                   pipeline: pipeline, mode: mode, reportDir: job.reportDir)
        // The series' base-commit when the tree has it, else the tree's head (ComparisonPlan.seriesBase).
        do {
            let outcome = try CheckDriver(paths: paths, console: console).run(request)
            return SeriesResult.from(exitCode: outcome.exitCode, verdicts: outcome.verdicts, run: outcome.run)
        } catch {
            Supervisor.parkIfInterrupted()
            return SeriesResult.from(error: (error as? KGateError) ?? KGateError.unexpected(error, during: "watch"))
        }
    }
}

extension LocalSeriesChecker {
    /// Fetches an external tree's remotes, so a series' `base-commit:` from upstream
    /// resolves. An imported tree or one without a remote is left alone; a failed
    /// fetch is reported and the check goes on with what the tree has.
    static func fetch(tree: TreeInfo, console: Console) throws {
        guard tree.kind == .external else { return }
        let environment = ["GIT_TERMINAL_PROMPT": "0"]
        let remotes = try ProcessRunner.run("git", ["-C", tree.path, "remote"], environment: environment, timeout: 60)
        guard remotes.exitCode == 0, !remotes.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        console.status("watch: fetching the remotes of tree \(tree.name)")
        let r = try ProcessRunner.run("git", ["-C", tree.path, "fetch", "--all", "--quiet"], environment: environment,
                                      timeout: 900)
        if r.exitCode != 0 {
            console.line("warning: git fetch in tree \(tree.name) failed (exit \(r.exitCode)): "
                         + "\(r.stderr.split(separator: "\n").first ?? ""); checking on what the tree has")
        }
    }
}

/// Hands the series to a CI engine instead of checking it here: runs the
/// command with `{series}`, `{version}`, `{project}` and `{patchwork}` replaced
/// (no shell; the token is not passed). E.g. `buildbot sendchange --master
/// ci:9989 --who kgate-watch --property series_id:{series} --property patchwork:{patchwork}`.
public struct HandoffSeriesChecker: SeriesChecker {
    public var command: [String]
    public var timeout: Double

    public init(command: String, timeout: Double = 300) throws {
        let argv = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = argv.first, !first.isEmpty else {
            throw KGateError.usage("--handoff-command is empty", fix: "e.g. --handoff-command 'buildbot sendchange … --property series_id:{series}'")
        }
        self.command = argv
        self.timeout = timeout
    }

    public func check(_ job: SeriesJob) throws -> SeriesResult? {
        let values = ["{series}": String(job.key.seriesID), "{version}": String(job.version),
                      "{project}": job.key.project, "{patchwork}": job.key.server]
        let argv = command.map { arg in values.reduce(arg) { $0.replacingOccurrences(of: $1.key, with: $1.value) } }
        let r = try ProcessRunner.run(argv[0], Array(argv.dropFirst()), timeout: timeout)
        guard r.exitCode == 0 else {
            throw KGateError.infrastructure("the hand-off command exited \(r.exitCode) for series \(job.key.seriesID)",
                                            location: argv[0], fix: "check the CI engine is reachable; the series stays pending",
                                            excerpt: String(r.stderr.suffix(400)))
        }
        return nil
    }
}
