import Foundation
import KernelProfile
import Gate
import KGateCore

extension ResultStore {
    /// The most recent runs, newest first.
    public func listRuns(limit: Int = 50) throws -> [RunInfo] {
        try read { db in
            try db.rows("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [max(1, limit)])
                .map(Self.runInfo)
        }
    }

    /// One run, or nil.
    public func run(_ id: Int64) throws -> RunInfo? {
        try read { db in
            try db.row("SELECT * FROM runs WHERE id = ?", [id]).map(Self.runInfo)
        }
    }

    /// Everything about one run, for the exporters.
    public func report(run id: Int64) throws -> RunReport {
        let decoder = JSONDecoder()
        return try read { db in
            guard let row = try db.row("SELECT * FROM runs WHERE id = ?", [id]) else {
                throw KGateError.usage("no run \(id) in the results database", location: self.location.redacted,
                                       fix: "list the runs with 'kgate results list'")
            }
            let info = try Self.runInfo(row)
            let commits = try db.rows("SELECT * FROM revisions WHERE run_id = ? ORDER BY position", [id])
                .map { try RunCommit(role: $0["role"], commit: $0["commit_id"], subject: $0["subject"], author: $0["author"]) }
            let builds = try db.rows("SELECT * FROM builds WHERE run_id = ? ORDER BY id", [id])
                .map { try BuildInfo(revision: $0["revision"], configHash: $0["config_hash"], architecture: $0["architecture"],
                                 succeeded: $0["succeeded"], seconds: $0["seconds"], log: $0["log"]) }
            let boots = try db.rows("SELECT * FROM boots WHERE run_id = ? ORDER BY id", [id])
                .map { try BootInfo(revision: $0["revision"], mode: $0["mode"], succeeded: $0["succeeded"],
                                seconds: $0["seconds"], note: $0["note"]) }
            let stages = try db.rows("SELECT * FROM stage_timings WHERE run_id = ? ORDER BY id", [id])
                .map { try StageTiming(stage: $0["stage"], seconds: $0["seconds"]) }
            let steps = try db.rows("SELECT * FROM bisect_steps WHERE run_id = ? ORDER BY position", [id])
                .map { try BisectStep(revision: $0["revision"], subject: $0["subject"], classification: $0["classification"],
                                  median: $0["median"], unit: $0["unit"]) }
            var counts: [String: Int] = [:]
            for r in try db.rows("""
                SELECT t.role AS role, COUNT(*) AS n FROM samples s JOIN trials t ON s.trial_id = t.id
                WHERE t.run_id = ? GROUP BY t.role
                """, [id]) {
                let role: String = try r["role"]
                counts[role] = try r["n"]
            }
            var workloads: [WorkloadVerdict] = []
            for r in try db.rows("SELECT * FROM verdicts WHERE run_id = ? ORDER BY id", [id]) {
                let workload: String = try r["workload"], metric: String = try r["metric"]
                let verdictJSON: String = try r["verdict_json"], countersJSON: String = try r["counters_json"]
                let verdict = try decoder.decode(GateVerdict.self, from: Data(verdictJSON.utf8))
                let changes = try decoder.decode([CounterChange].self, from: Data(countersJSON.utf8))
                func values(_ role: TrialRole) throws -> [Double] {
                    try db.column("""
                        SELECT s.value FROM samples s JOIN trials t ON s.trial_id = t.id
                        WHERE t.run_id = ? AND t.role = ? AND s.workload = ? AND s.metric = ? AND s.failure IS NULL
                        ORDER BY t.position, s.id
                        """, [id, role.rawValue, workload, metric])
                }
                workloads.append(try WorkloadVerdict(workload: workload, metric: metric, unit: r["unit"], verdict: verdict,
                                                 baseValues: try values(.base), candidateValues: try values(.candidate),
                                                 counterChanges: changes))
            }
            let profiles = try db.rows("SELECT comparison_json FROM profiles WHERE run_id = ? ORDER BY position", [id])
                .map { row -> ProfileComparison in
                    let json: String = try row["comparison_json"]
                    return try decoder.decode(ProfileComparison.self, from: Data(json.utf8))
                }
            var report = RunReport(run: info, commits: commits, builds: builds, boots: boots, stages: stages,
                                   workloads: workloads, sampleCounts: counts, bisectSteps: steps)
            report.profiles = profiles.isEmpty ? nil : profiles
            return report
        }
    }

    static func runInfo(_ row: SQLRow) throws -> RunInfo {
        let stored: String = try row["status"]
        let finished: Double? = try row["finished_at"]
        // A run that never reached finishRun: killed, crashed or still going.
        let status: RunStatus = finished == nil ? .interrupted : (RunStatus(rawValue: stored) ?? .failed)
        let exit: Int64? = try row["exit_code"]
        let overall: String? = try row["overall"]
        let kind: String = try row["kind"]
        let started: Double = try row["started_at"]
        return try RunInfo(id: row["id"], kind: RunKind(rawValue: kind) ?? .check, tree: row["tree"],
                       baseRevision: row["base_revision"], candidateRevision: row["candidate_revision"],
                       seriesSubject: row["series_subject"], patchsetHash: row["patchset_hash"],
                       mode: row["mode"], pipeline: row["pipeline"],
                       startedAt: Date(timeIntervalSince1970: started),
                       finishedAt: finished.map { Date(timeIntervalSince1970: $0) }, status: status,
                       exitCode: exit.map { Int32(truncatingIfNeeded: $0) },
                       overall: overall.flatMap(GateOutcome.init(rawValue:)),
                       note: row.value("note") == nil ? nil : row["note"])
    }
}
