import Foundation
import HTTPClient
import KGateCore
import PatchSeries
import Results

/// What `kgate watch` was asked.
public struct WatchOptions: Sendable {
    public var server: String
    public var project: String
    public var token: String
    public var context = "kgate-throughput"
    /// First start only: where to begin (default: now).
    public var since: String?
    public var maxPatches = 30
    /// Seconds; a series older than this is skipped with a warning.
    public var maxAge: Double?
    public var reportRoot: URL?
    public var reportURL: String?
    /// How long a claim holds before another watcher may take the series.
    public var claimTTL: Double = 6 * 3600
    /// Machine faults before the fault is posted as a warning (1 = retried once).
    public var faultRetries = 1

    public init(server: String, project: String, token: String) {
        self.server = server; self.project = project; self.token = token
    }
}

/// What one poll did (for `--once` and the tests).
public struct PollSummary: Sendable, Equatable {
    public var newSeries = 0
    public var checked = 0
    public var posted = 0
    public var postFailures = 0
}

/// `kgate watch`: polls a patchwork project's `series-completed` events and gives
/// every complete series one check per patch, exactly once (docs/DESIGN.md, "The list bot").
public final class Watcher: Sendable {
    public let options: WatchOptions
    public let owner: String
    let store: ResultStore
    let feed: PatchworkFeed
    let poster: PatchworkClient
    let checker: any SeriesChecker
    /// One line per series and per failed post (stderr by default).
    let say: @Sendable (String) -> Void

    public init(options: WatchOptions, store: ResultStore, checker: any SeriesChecker,
                log: @escaping @Sendable (String) -> Void = { Console.shared.line($0) }) throws {
        self.options = options
        self.store = store
        self.checker = checker
        self.say = log
        self.feed = try PatchworkFeed(baseURL: options.server, project: options.project)
        self.poster = try PatchworkClient(baseURL: options.server, token: options.token)
        self.owner = ClaimOwner.make()
    }

    var server: String { feed.base }

    /// One poll: post what earlier polls left unposted, read the new events,
    /// re-examine incomplete series, then check every pending series in turn.
    public func pollOnce(now: Date = Date()) throws -> PollSummary {
        var summary = PollSummary()
        postUnposted(&summary)
        summary.newSeries = try readEvents(now: now)
        try reexamineIncomplete(now: now)
        var handled = Set<Int>()
        while let series = try store.claimNextSeries(server: server, project: options.project, owner: owner,
                                                     ttl: options.claimTTL, excluding: handled,
                                                     isStale: ClaimOwner.isGone) {
            handled.insert(series.key.seriesID)
            try handle(series, now: now)
            summary.checked += 1
            postUnposted(&summary)
        }
        return summary
    }

    /// Releases this watcher's claims (SIGTERM): those series are checked again later.
    public func releaseClaims() {
        do {
            try store.releaseWatchClaims(owner: owner)
        } catch {
            say("warning: could not release the watch claims: \(KGateError.describe(error))")
        }
    }

    func readEvents(now: Date) throws -> Int {
        let start = try store.watchCursor(server: server, project: options.project)
            ?? options.since ?? PatchworkFeed.timestamp(now)
        let events = try feed.seriesCompleted(since: start)
        var added = 0
        for event in events {
            let key = WatchKey(server: server, project: options.project, seriesID: event.seriesID)
            guard try store.watchedSeries(key) == nil else { continue }
            try store.rememberSeries(key, version: event.version, name: event.name, state: .incomplete)
            added += 1
        }
        // `since` is inclusive: the last event comes back next time and is known by then.
        try store.setWatchCursor(server: server, project: options.project, since: max(start, events.last?.date ?? start))
        return added
    }

    /// A series is checked only once all its patches arrived.
    func reexamineIncomplete(now: Date) throws {
        for series in try store.watchedSeries(server: server, project: options.project, state: .incomplete) {
            let detail: SeriesDetail
            do {
                detail = try feed.series(series.key.seriesID)
            } catch {
                // One series patchwork cannot describe does not hold up the others.
                say("watch: \(series.key): cannot read the series, asked again next poll: "
                    + "\(KGateError.describe(error).split(separator: "\n").first ?? "")")
                continue
            }
            // One that never completes is given its 'skipped' warning once it is older than --max-age.
            if detail.receivedAll && detail.patchIDs.count >= detail.total || tooOld(detail, now: now) {
                try store.setWatchState(series.key, .pending)
            } else {
                say("watch: \(series.key) v\(series.version) waits for its patches "
                             + "(\(detail.patchIDs.count) of \(detail.total) received)")
            }
        }
    }

    func handle(_ series: WatchedSeries, now: Date) throws {
        let started = Date()
        let detail: SeriesDetail
        do {
            detail = try feed.series(series.key.seriesID)
        } catch {
            // patchwork cannot say which patches: retried on later polls, then given up without checks.
            let note = "machine fault, not the patch: " + KGateError.describe(error).prefix(300)
            if series.faults < options.faultRetries {
                try store.requeueWatchedSeries(series.key, owner: owner, note: note)
            } else {
                try store.finishWatchedSeries(series.key, owner: owner, verdict: SeriesResult.Verdict.fault.rawValue,
                                              description: note, targetURL: nil, run: nil, checks: [])
            }
            say("watch: \(series.key) v\(series.version): \(note.split(separator: "\n").first ?? "")")
            return
        }
        let reportDir = options.reportRoot?.appendingPathComponent(String(series.key.seriesID), isDirectory: true)
        let target = options.reportURL.map { base in
            (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/\(series.key.seriesID)/"
        }
        let job = SeriesJob(key: series.key, version: detail.version, name: detail.name, patchCount: detail.patchIDs.count,
                            reportDir: reportDir)
        let result: SeriesResult
        if let skip = skipReason(detail, now: now) {
            result = SeriesResult(verdict: .skipped, description: "skipped: " + skip)
        } else {
            do {
                guard let checked = try checker.check(job) else {
                    try store.handOffWatchedSeries(series.key, owner: owner, note: "handed off")
                    log(series, detail, "handed off", started)
                    return
                }
                result = checked
            } catch {
                Supervisor.parkIfInterrupted()
                let e = (error as? KGateError) ?? KGateError.unexpected(error, during: "watch")
                result = SeriesResult.from(error: KGateError.infrastructure(e.what, location: e.location, cause: e))
            }
        }
        if result.verdict == .fault && series.faults < options.faultRetries {
            try store.requeueWatchedSeries(series.key, owner: owner, note: result.description)
            log(series, detail, "\(result.description) (retried on a later poll)", started)
            return
        }
        let state = result.checkState.rawValue
        let written = try store.finishWatchedSeries(series.key, owner: owner, verdict: result.verdict.rawValue,
                                                    description: result.description, targetURL: target, run: result.run,
                                                    checks: detail.patchIDs.map { ($0, state) })
        log(series, detail, written ? result.description : "\(result.description) (claim lost: not recorded)", started)
    }

    func skipReason(_ detail: SeriesDetail, now: Date) -> String? {
        if detail.patchIDs.count > options.maxPatches {
            return "\(detail.patchIDs.count) patches, more than --max-patches \(options.maxPatches)"
        }
        if tooOld(detail, now: now), let maxAge = options.maxAge, let date = PatchworkFeed.date(detail.date) {
            return "posted \(Watcher.seconds(now.timeIntervalSince(date))) ago, older than --max-age \(Watcher.seconds(maxAge))"
        }
        return nil
    }

    func tooOld(_ detail: SeriesDetail, now: Date) -> Bool {
        guard let maxAge = options.maxAge, let date = PatchworkFeed.date(detail.date) else { return false }
        return now.timeIntervalSince(date) > maxAge
    }

    /// Posts every check not yet accepted; a failure stays for the next poll.
    func postUnposted(_ summary: inout PollSummary) {
        let checks: [WatchCheck]
        do {
            checks = try store.claimUnpostedChecks(server: server, project: options.project, owner: owner,
                                                   isStale: ClaimOwner.isGone)
        } catch {
            say("warning: cannot read the unposted checks: \(KGateError.describe(error))")
            return
        }
        for check in checks {
            let state = PatchworkClient.CheckState(rawValue: check.state) ?? .warning
            do {
                try poster.postCheck(patchID: check.patchID, state: state, context: options.context,
                                     targetURL: check.targetURL, description: check.description)
                try store.recordCheckPost(check, error: nil)
                summary.posted += 1
            } catch {
                let text = KGateError.describe(error)
                say("watch: could not post the '\(state.rawValue)' check on patch \(check.patchID) "
                             + "(\(check.key)): \(text.split(separator: "\n").first ?? "") — kept for the next poll")
                try? store.recordCheckPost(check, error: text)
                summary.postFailures += 1
            }
        }
    }

    func log(_ series: WatchedSeries, _ detail: SeriesDetail, _ what: String, _ started: Date) {
        let name = detail.name.isEmpty ? series.name : detail.name
        say("watch: \(series.key) v\(detail.version) \"\(name.prefix(80))\" (\(detail.patchIDs.count) "
                     + "patch(es)): \(what) in \(Watcher.seconds(Date().timeIntervalSince(started)))")
    }

    /// 75 → "75 s", 7200 → "2.0 h".
    static func seconds(_ s: Double) -> String {
        s < 600 ? String(format: "%.0f s", s) : s < 7200 ? String(format: "%.0f min", s / 60) : String(format: "%.1f h", s / 3600)
    }
}
