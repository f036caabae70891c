import Foundation
import Gate
import KGateCore

/// KCIDB v5.3 I/O JSON: one checkout (tree, commit, patchset), the candidate build,
/// and per workload metric a measurement test (status DONE, `number {value, unit}`)
/// and a gate test (PASS, FAIL for a regression, DONE when inconclusive).
public enum KCIDBExporter {
    /// KCIDB's valid status values.
    public static let statuses: Set<String> = ["FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"]

    /// KCIDB's patchset hash: sha256 over the newline-terminated sha256 hex digests
    /// of each patch, in order ("sha256sum *.patch | cut -c-64 | sha256sum"); empty
    /// when there are no patches.
    public static func patchsetHash(patches: [Data]) -> String {
        guard !patches.isEmpty else { return "" }
        let lines = patches.map { Digest.sha256Hex($0) + "\n" }.joined()
        return Digest.sha256Hex(Data(lines.utf8))
    }

    /// Checks an origin name (KCIDB: lowercase letters, digits, underscore).
    public static func validate(origin: String) throws {
        let ok = !origin.isEmpty && origin.count <= 64 &&
            origin.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        guard ok else {
            throw KGateError.usage("KCIDB origin '\(origin)' is invalid", location: "--origin",
                                   fix: "use lowercase letters, digits and underscores (e.g. 'kgate' or 'my_lab')")
        }
    }

    public static func render(_ report: RunReport, origin: String) throws -> String {
        try validate(origin: origin)
        let object = document(report, origin: origin)
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        } catch {
            throw KGateError.infrastructure("cannot encode run \(report.run.id) as KCIDB JSON", excerpt: String(describing: error), cause: error)
        }
    }

    /// A test path component: KCIDB paths are dot-separated; keep [A-Za-z0-9_-].
    static func component(_ s: String) -> String {
        let cleaned = String(s.unicodeScalars.map { scalar -> Character in
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            return ok ? Character(scalar) : "_"
        })
        return cleaned.isEmpty ? "_" : cleaned
    }

    static func isCommitHash(_ s: String?) -> Bool {
        guard let s, s.count == 40 || s.count == 64 else { return false }
        return s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    static func document(_ report: RunReport, origin: String) -> [String: Any] {
        let run = report.run
        let checkoutID = "\(origin):run\(run.id)"
        let buildID = "\(origin):run\(run.id)-candidate"
        let started = Phrase.timestamp(run.startedAt)
        var checkout: [String: Any] = [
            "id": checkoutID, "origin": origin, "tree_name": run.tree, "start_time": started,
            "patchset_hash": run.patchsetHash ?? "",
            "valid": run.status != .failed || run.exitCode != KGateExitCode.brokenPatch,
        ]
        // With patches, the checkout is the base commit plus the patchset (KCIDB);
        // without (nightly), the checked-out commit is the candidate itself.
        let hasPatches = !(run.patchsetHash ?? "").isEmpty
        let commit = hasPatches ? run.baseRevision : (run.candidateRevision ?? run.baseRevision)
        if isCommitHash(commit), let commit { checkout["git_commit_hash"] = commit }
        if let subject = run.seriesSubject, !subject.isEmpty { checkout["comment"] = subject }
        checkout["misc"] = ["kgate_run": run.id, "kind": run.kind.rawValue, "pipeline": run.pipeline,
                            "candidate_revision": run.candidateRevision ?? ""] as [String: Any]
        let candidateBuild = report.builds.last { $0.revision == run.candidateRevision } ?? report.builds.last
        var build: [String: Any] = ["id": buildID, "checkout_id": checkoutID, "origin": origin, "start_time": started]
        build["architecture"] = candidateBuild?.architecture ?? "x86_64"
        if let b = candidateBuild {
            build["status"] = b.succeeded ? "PASS" : "FAIL"
            build["duration"] = b.seconds
            build["config_name"] = b.configHash
        } else {
            build["status"] = report.workloads.isEmpty ? "MISS" : "PASS"
        }
        var tests: [[String: Any]] = []
        for w in report.workloads {
            let a = w.verdict.analysis
            let path = "kgate.\(component(w.workload)).\(component(w.metric))"
            let local = "run\(run.id)-\(component(w.workload))-\(component(w.metric))"
            let misc: [String: Any] = [
                "base_median": a.baseMedian, "effect": a.effect, "p_value": a.pValue,
                "ci_lower": a.lower.isFinite ? a.lower : NSNull(), "ci_upper": a.upper.isFinite ? a.upper : NSNull(),
                "ci_level": a.level, "base_trials": a.baseCount, "candidate_trials": a.candidateCount,
                "threshold": w.verdict.threshold, "outcome": w.verdict.outcome.rawValue,
            ]
            tests.append([
                "id": "\(origin):\(local)", "build_id": buildID, "origin": origin, "path": path,
                "status": "DONE", "start_time": started,
                "number": ["value": a.candidateMedian, "unit": w.unit],
                "comment": "\(w.workload) \(w.metric): candidate median", "misc": misc,
            ])
            let gateStatus: String
            switch w.verdict.outcome {
            case .regression: gateStatus = "FAIL"
            case .unchanged, .improvement: gateStatus = "PASS"
            case .inconclusive: gateStatus = "DONE"
            }
            var comment = w.verdict.reason
            if !w.counterChanges.isEmpty { comment += "; counters: " + w.counterChanges.map(\.summary).joined(separator: "; ") }
            tests.append([
                "id": "\(origin):\(local)-gate", "build_id": buildID, "origin": origin, "path": path + ".gate",
                "status": gateStatus, "start_time": started, "comment": comment,
                "misc": ["outcome": w.verdict.outcome.rawValue] as [String: Any],
            ])
        }
        return ["version": ["major": 5, "minor": 3], "checkouts": [checkout], "builds": [build], "tests": tests]
    }
}
