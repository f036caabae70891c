import Foundation
import Gate
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import Results
import Workloads

/// The state of one bisection: builds (never twice for one revision),
/// samples per revision, steps and the replayable log.
struct BisectSession {
    let request: BisectRequest
    let spec: PipelineSpec
    let repository: KernelRepository
    let good: String
    let bad: String
    let range: [CommitInfo]
    let recorder: RunRecorder
    let paths: CachePaths
    let clock: StageClock
    let console: Console
    let stage: KernelStage

    private var images: [String: URL] = [:]
    /// sha256 of each built image: two revisions whose code differs must not share one.
    private var digests: [String: String] = [:]
    private var unbuildable: [String: String] = [:]
    private var values: [String: [Double]] = [:]
    private var steps: [BisectStep] = []
    private var log: [String] = []
    private var builds = 0
    private var trials = 0
    private(set) var endpointVerdict: WorkloadVerdict?

    init(request: BisectRequest, spec: PipelineSpec, repository: KernelRepository, good: String, bad: String,
         range: [CommitInfo], recorder: RunRecorder, paths: CachePaths, clock: StageClock, console: Console) throws {
        self.request = request; self.spec = spec; self.repository = repository; self.good = good; self.bad = bad
        self.range = range; self.recorder = recorder; self.paths = paths; self.clock = clock; self.console = console
        self.stage = KernelStage(repository: repository, config: try KernelStage.config(for: spec), paths: paths,
                                 console: console)
    }

    mutating func run() throws -> BisectOutcome {
        console.line("bisect \(short(good))..\(short(bad)): \(range.count) commits, workload \(request.workload)")
        guard let goodImage = try build(good, endpoint: true), let badImage = try build(bad, endpoint: true) else {
            throw KGateError.infrastructure("an endpoint did not build")
        }
        let guest = try GuestStage.prepare(spec, requested: request.mode, probeKernel: goodImage, paths: paths,
                                           clock: clock, console: console)
        let workload = try WorkloadPlan.single(spec, name: request.workload, mode: guest.mode, threshold: request.threshold)
        let runner = TrialRunner(guest: guest, recorder: recorder)
        let gate = workload.gate

        // Endpoints, measured side by side, until the gate step settles (or stops at the cap).
        var need = gate.minTrials
        var verdict: GateVerdict?
        measuring: while true {
            try measureEndpoints(runner, workload, goodImage: goodImage, badImage: badImage, trials: need)
            let classifier = BisectClassifier(gate: gate, good: values[good] ?? [], bad: values[bad] ?? [])
            switch GateStep.step(classifier.endpoints(), gate: gate,
                                 attempted: (values[good]?.count ?? 0, values[bad]?.count ?? 0), sameTrialNumbers: true) {
            case .settled(let v): verdict = v; break measuring
            case .capped: break measuring
            case .more(let b, let c): need = max(b, c)
            }
        }
        endpointVerdict = verdict.map {
            WorkloadVerdict(workload: workload.spec.name, metric: workload.spec.metric.rawValue, unit: workload.spec.metric.unit,
                            verdict: $0, baseValues: values[good] ?? [], candidateValues: values[bad] ?? [], counterChanges: [])
        }
        let unit = workload.spec.metric.unit
        try record(good, .good, unit: unit, note: "endpoint")
        try record(bad, .bad, unit: unit, note: "endpoint")
        guard let verdict, verdict.outcome == .regression else {
            let what = "good and bad are not distinguishable as a regression at \(Format.percent(gate.threshold, signed: false)): "
                + (verdict.map { "\($0.outcome.rawValue), \($0.reason)" } ?? "no verdict")
            console.line("bisect: \(what)")
            return outcome(exitCode: KGateExitCode.inconclusive, culprit: nil, candidates: [], summary: what)
        }
        console.line("endpoints: \(verdict.reason)")

        // Binary search over range (index -1 is good, range.count - 1 is bad).
        var lo = -1, hi = range.count - 1
        var skipped = Set<Int>()
        let classifier = BisectClassifier(gate: gate, good: values[good] ?? [], bad: values[bad] ?? [])
        while true {
            let open = ((lo + 1)..<hi).filter { !skipped.contains($0) }
            guard !open.isEmpty else { break }
            let middle = (lo + hi) / 2
            guard let mid = open.min(by: { abs($0 - middle) < abs($1 - middle) }) else { break }
            switch try classify(range[mid], runner: runner, workload: workload, classifier: classifier) {
            case .good: lo = mid
            case .bad: hi = mid
            case .skip: skipped.insert(mid)
            }
        }
        let suspects = Array(range[(lo + 1)...hi])
        guard suspects.count == 1, let culprit = suspects.first else {
            let list = suspects.map { "\(short($0.oid)) \($0.subject)" }
            let summary = "skipped commits leave \(suspects.count) candidates for the first bad commit:\n  "
                + list.joined(separator: "\n  ")
            console.line("bisect: \(summary)")
            return outcome(exitCode: KGateExitCode.inconclusive, culprit: nil, candidates: suspects.map(\.oid), summary: summary)
        }
        log.append("# first bad commit: [\(culprit.oid)] \(culprit.subject)")
        var summary = "first bad commit: \(culprit.oid) \(culprit.subject)"
        var doubts: [String] = []
        let flags = try Plausibility.flags(repository, culprit)
        if !flags.isEmpty {
            summary += "\n  plausibility: the commit " + flags.joined(separator: "; ")
            if flags.contains(where: Plausibility.implausible) {
                doubts.append("a commit that \(flags.joined(separator: "; ")) cannot change the compiled kernel's throughput")
            }
        }
        let confirmation = try confirm(culprit, runner: runner, workload: workload, classifier: classifier)
        summary += "\n  " + confirmation.text
        if !confirmation.confirmed { doubts.append("its revert does not confirm it (\(confirmation.text))") }
        let identical = try identicalImages()
        for line in identical { summary += "\n  build check: " + line }
        if !identical.isEmpty { doubts.append("builds of revisions with different code produced identical images") }
        summary += "\n  builds: \(builds), trials: \(trials)"
        guard doubts.isEmpty else {
            // Defence in depth (issue 12): a culprit the evidence contradicts is never
            // reported as found; a stale or wrong build is the likelier explanation.
            summary = "contradiction, no culprit named: bisection points at \(short(culprit.oid)) '\(culprit.subject)' but "
                + doubts.joined(separator: "; and ")
                + "; check the kernels with 'kgate build --verify --rev REV' and bisect again\n  " + summary
            console.line("bisect: \(summary)")
            return outcome(exitCode: KGateExitCode.inconclusive, culprit: nil, candidates: [culprit.oid], summary: summary)
        }
        console.line("bisect: \(summary)")
        // After the answer: its rows print now and go to the run's reports (not into the summary, the run's note).
        var named = outcome(exitCode: KGateExitCode.pass, culprit: culprit.oid, candidates: [culprit.oid], summary: summary)
        if request.profile, let profile = ProfileStage(guest: guest, recorder: recorder, console: console)
            .culprit(culprit, spec: workload.spec, clock: clock, image: { try build($0, endpoint: false) }) {
            named.profiles = [profile]
        }
        return named
    }

    /// Pairs of built revisions whose images are byte-identical although their
    /// sources differ in more than comments: one of them is not its revision (or
    /// the change is outside the configured kernel: the check names both to verify).
    private func identicalImages() throws -> [String] {
        var byDigest: [String: [String]] = [:]
        for (revision, digest) in digests { byDigest[digest, default: []].append(revision) }
        var lines: [String] = []
        for group in byDigest.values where group.count > 1 {
            let sorted = group.sorted()
            for (i, a) in sorted.enumerated() {
                for b in sorted[(i + 1)...] where Plausibility.changesCode(try repository.diff(from: a, to: b)) {
                    lines.append("\(short(a)) and \(short(b)) built to identical images although their sources differ in code")
                }
            }
        }
        return lines.sorted()
    }

    // MARK: steps

    private mutating func classify(_ commit: CommitInfo, runner: TrialRunner, workload: MeasuredWorkload,
                                   classifier: BisectClassifier) throws -> StepClass {
        let unit = workload.spec.metric.unit
        guard let image = try build(commit.oid, endpoint: false) else {
            try record(commit.oid, .skip, unit: unit, note: "does not build: \(unbuildable[commit.oid] ?? "")")
            return .skip
        }
        var need = workload.gate.minTrials
        while true {
            do {
                try measure(commit.oid, image: image, runner: runner, workload: workload, trials: need)
            } catch let error as KGateError where error.blame == .kernelUnderTest {
                try record(commit.oid, .skip, unit: unit, note: "does not boot or run: \(error.what)")
                return .skip
            }
            let result = classifier.classify(values[commit.oid] ?? [])
            let count = values[commit.oid]?.count ?? 0
            if let c = result.classification {
                try record(commit.oid, c, unit: unit, note: result.reason)
                return c
            }
            guard let more = GateStep.more(afterMeasuring: count, gate: workload.gate) else {
                try record(commit.oid, .skip, unit: unit, note: "unclear after \(count) trials: \(result.reason)")
                return .skip
            }
            need = more
        }
    }

    /// Reverts the culprit on top of bad and measures: did throughput recover?
    private mutating func confirm(_ culprit: CommitInfo, runner: TrialRunner, workload: MeasuredWorkload,
                                  classifier: BisectClassifier) throws -> (text: String, confirmed: Bool) {
        let text = try revertCheck(culprit, runner: runner, workload: workload, classifier: classifier)
        return (text, text.hasPrefix("confirmed:"))
    }

    private mutating func revertCheck(_ culprit: CommitInfo, runner: TrialRunner, workload: MeasuredWorkload,
                                      classifier: BisectClassifier) throws -> String {
        let revert: String
        do {
            revert = try clock.measure("revert") {
                try repository.revert(culprit.oid, onto: bad, refName: "bisect/revert-\(short(culprit.oid))")
            }
        } catch let error as KGateError {
            return "confirmation: the revert does not apply on \(short(bad)): \(error.what)"
        }
        guard let image = try build(revert, endpoint: false) else {
            return "confirmation: the revert does not build: \(unbuildable[revert] ?? "")"
        }
        var need = workload.gate.minTrials
        while true {
            try measure(revert, image: image, runner: runner, workload: workload, trials: need)
            let result = classifier.classify(values[revert] ?? [])
            let count = values[revert]?.count ?? 0
            let unit = workload.spec.metric.unit
            let medians = "median \(fmt(Statistics.median(values[bad] ?? []), unit)) (bad) → \(fmt(result.median, unit)) "
                + "(bad with the culprit reverted), good \(fmt(Statistics.median(values[good] ?? []), unit))"
            if result.classification == .good { return "confirmed: reverting it on \(short(bad)) recovers throughput: \(medians)" }
            if result.classification == .bad { return "NOT confirmed: with it reverted on \(short(bad)) throughput stays bad: \(medians)" }
            guard let more = GateStep.more(afterMeasuring: count, gate: workload.gate) else {
                return "confirmation unclear after \(count) trials: \(result.reason)"
            }
            need = more
        }
    }

    // MARK: builds and measurements

    /// The image of `revision`, built at most once; nil when it does not build
    /// (an endpoint that does not build is an error).
    private mutating func build(_ revision: String, endpoint: Bool) throws -> URL? {
        if let image = images[revision] { return image }
        if unbuildable[revision] != nil { return nil }
        do {
            let result = try clock.measure("builds") { try stage.build(revision) }
            if !result.cached { builds += 1 }
            try recorder.build(BuildInfo(revision: revision, configHash: result.configHash, succeeded: true,
                                         seconds: result.cached ? 0 : result.durationSeconds, log: result.log))
            images[revision] = result.imageURL
            digests[revision] = try? KernelBuilder.digest(result.imageURL)
            return result.imageURL
        } catch let error as KGateError where error.blame == .kernelUnderTest && !endpoint {
            // A revision inside the range that does not build is skipped, as git bisect skip.
            builds += 1
            console.line("bisect: \(short(revision)) does not build, skipping: \(error.what)")
            try recorder.build(BuildInfo(revision: revision, configHash: "", succeeded: false, seconds: 0, log: error.excerpt))
            unbuildable[revision] = error.what
            return nil
        } catch let error as KGateError where endpoint {
            throw error.seen(on: FaultKernel(.endpoint, revision: revision, stage: .build))
        }
    }

    private mutating func measure(_ revision: String, image: URL, runner: TrialRunner, workload: MeasuredWorkload,
                                  trials n: Int) throws {
        let kernel = KernelUnderTest(role: .candidate, revision: revision, image: image, faultRole: .step)
        let done = values[revision]?.count ?? 0
        let samples = try clock.measure("trials") {
            try runner.run(kernel, workloads: [workload], trials: [workload.spec.name: n],
                           done: [workload.spec.name: done], console: console)
        }
        trials += n
        values[revision, default: []] += samples.filter { $0.failure == nil }.map(\.value)
    }

    private mutating func measureEndpoints(_ runner: TrialRunner, _ workload: MeasuredWorkload, goodImage: URL,
                                           badImage: URL, trials n: Int) throws {
        let name = workload.spec.name
        let kernels = [KernelUnderTest(role: .base, revision: good, image: goodImage, faultRole: .endpoint),
                       KernelUnderTest(role: .candidate, revision: bad, image: badImage, faultRole: .endpoint)]
        let done = [good: values[good]?.count ?? 0, bad: values[bad]?.count ?? 0]
        let console = self.console
        // A failed endpoint boot was seen on its endpoint (`faultRole`): infrastructure, never a skip.
        let samples = try clock.measure("trials") {
            try SideBySide.run(kernels, mode: runner.guest.mode) { k in
                try runner.run(k, workloads: [workload], trials: [name: n], done: [name: done[k.revision] ?? 0], console: console)
            }
        }
        trials += 2 * n
        for (k, s) in zip(kernels, samples) {
            values[k.revision, default: []] += s.filter { $0.failure == nil }.map(\.value)
        }
    }

    // MARK: records

    private mutating func record(_ revision: String, _ c: StepClass, unit: String, note: String) throws {
        let subject = (try? repository.commit(revision).subject) ?? ""
        let median = Statistics.median(values[revision] ?? [])
        let step = BisectStep(revision: revision, subject: subject, classification: c.rawValue, median: median, unit: unit)
        steps.append(step)
        try recorder.bisectStep(step)
        log.append("# \(c.rawValue): [\(revision)] \(subject)" + (median.map { " (median \(Format.quantity($0, unit: unit)))" } ?? ""))
        if note == "endpoint" {
            // `git bisect replay` needs the start line once both endpoints are known.
            if c == .bad { log.append("git bisect start '\(bad)' '\(good)'") }
        } else {
            log.append("git bisect \(c.rawValue) \(revision)")
        }
        console.line("bisect: \(short(revision)) \(c.rawValue): \(note)")
    }

    private func outcome(exitCode: Int32, culprit: String?, candidates: [String], summary: String) -> BisectOutcome {
        BisectOutcome(exitCode: exitCode, run: recorder.run, culprit: culprit, candidates: candidates, steps: steps,
                      builds: builds, trials: trials, summary: summary, log: log.joined(separator: "\n") + "\n")
    }
}

/// A median in its human unit (Gbit/s, µs), or "n/a".
func fmt(_ x: Double?, _ unit: String) -> String { x.map { Format.quantity($0, unit: unit) } ?? "n/a" }
