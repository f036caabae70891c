import Foundation
import KGateCore
import Testing
import TestSupport

/// The shipped GitHub Actions workflow (pipelines/ci/github-actions.yml), run job by
/// job and step by step as GitHub would by scripts/ci-local/gha.py (fresh workspace and
/// HOME per job, artifacts and actions/cache emulated, the matrix expanded), with the
/// SHIPPED premerge pipeline and real kernels: a regressing series exits 1 with JUnit
/// and a summary, the same check again restores the cache and does not cold-build, the
/// pull-request form on a kernel repository with two commits exits 1, a benign series 0.
///
/// CI budget: kgate is the test run's build (the workflow's KGATE_BIN), "the kernel
/// repository" a bare local clone of the shared tree (a local path: no packing), the
/// test cache seeds the first run's kgate cache as a runner image would
/// (KGATE_CACHE_SEED: the shared base kernel and the examples' candidates are build-cache
/// hits), and the runner's root (its actions/cache store) lives in the test cache, so
/// each later run restores what an earlier one saved: only the first run's boots measure.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct GitHubWorkflowEndToEndTests {
    static let workflow = TestEnv.packageRoot.appendingPathComponent("pipelines/ci/github-actions.yml")
    static let runner = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local/gha.py")
    static let regressing = "kgate/pipelines/examples/regress-tcp-rcv-audit.mbox"

    static var root: URL { TestEnv.cache.root.appendingPathComponent("gha-runner") }
    static var kernelRepository: URL { TestEnv.cache.root.appendingPathComponent("gha-kernel.git") }

    init() throws {
        try SharedKernel.ensureTree()
    }

    struct Run {
        var exitCode: Int?
        var jobs: [String: [String: Any]]
        var stderr: String
        var seconds: Double
        var artifacts: URL

        func summary(_ job: String) -> String {
            ((jobs[job]?["legs"] as? [[String: Any]])?.compactMap { $0["summary"] as? String } ?? []).joined()
        }

        func result(_ job: String) -> String? { jobs[job]?["result"] as? String }
    }

    @discardableResult
    static func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let r = try ProcessRunner.run("/usr/bin/git", ["--git-dir", kernelRepository.path] + arguments,
                                      environment: environment, timeout: 600)
        guard r.exitCode == 0 else { throw KGateError.infrastructure("git \(arguments.prefix(2)) failed", excerpt: r.stderr) }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The kernel repository: a bare clone of the shared tree (`main`, one commit) and a
    /// pull request's head on branch `pr-regress`: the regressing example as a commit on it.
    static func prepareKernelRepository() throws -> (base: String, head: String) {
        if !FileManager.default.fileExists(atPath: kernelRepository.path) {
            let source = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git")
            let r = try ProcessRunner.run("/usr/bin/git", ["clone", "-q", "--bare", source.path, kernelRepository.path],
                                          timeout: 600)
            guard r.exitCode == 0 else { throw KGateError.infrastructure("git clone failed", excerpt: r.stderr) }
        }
        let base = try git(["rev-parse", "main"])
        if let head = try? git(["rev-parse", "--verify", "-q", "pr-regress"]), !head.isEmpty { return (base, head) }
        let index = try TestEnv.temporaryDirectory("pr-index").appendingPathComponent("index").path
        let env = ["GIT_INDEX_FILE": index, "GIT_AUTHOR_NAME": "Tess Tester", "GIT_AUTHOR_EMAIL": "tess@example.org",
                   "GIT_COMMITTER_NAME": "Tess Tester", "GIT_COMMITTER_EMAIL": "tess@example.org",
                   "GIT_AUTHOR_DATE": "2026-11-24T10:00:00+0100", "GIT_COMMITTER_DATE": "2026-11-24T10:00:00+0100"]
        try git(["read-tree", "main"], environment: env)
        let patch = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/regress-tcp-rcv-audit.mbox").path
        try git(["apply", "--cached", patch], environment: env)
        let tree = try git(["write-tree"], environment: env)
        let head = try git(["commit-tree", tree, "-p", base, "-m", "tcp: audit the receive window on every established segment"],
                           environment: env)
        try git(["update-ref", "refs/heads/pr-regress", head])
        return (base, head)
    }

    static func nextRunID() -> Int {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)) ?? []
        return (runs.compactMap(Int.init).max() ?? 0) + 1
    }

    /// One run of the shipped workflow through the local runner.
    static func run(_ event: String, _ extra: [String]) throws -> Run {
        let id = nextRunID()
        let head = try ProcessRunner.run("/usr/bin/git", ["-C", TestEnv.packageRoot.path, "rev-parse", "HEAD"], timeout: 60)
        let started = Date()
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", runner.path, workflow.path, "--root", root.path,
                                                       "--run-id", "\(id)", "--event", event,
                                                       "--repository", "kgate-project/kgate=\(TestEnv.packageRoot.path)",
                                                       "--var", "KGATE_REF=\(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines))",
                                                       "--var", "KGATE_BIN=\(TestEnv.kgateBinary.path)",
                                                       "--var", "KGATE_CACHE_SEED=\(TestEnv.cache.root.path)"] + extra,
                                      timeout: 5400)
        let seconds = Date().timeIntervalSince(started)
        let runDir = root.appendingPathComponent("runs/\(id)")
        let data = try Data(contentsOf: runDir.appendingPathComponent("result.json"))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let jobs = try #require(record["jobs"] as? [String: [String: Any]])
        let code = ((jobs["kgate"]?["outputs"] as? [String: Any])?["code"] as? String).flatMap(Int.init)
        print("gha run \(id) (\(event)): exit \(code.map(String.init) ?? "none") in \(Int(seconds)) s, runner \(r.exitCode)")
        return Run(exitCode: code, jobs: jobs, stderr: r.stderr, seconds: seconds, artifacts: runDir.appendingPathComponent("artifacts"))
    }

    static func dispatch(series: String) throws -> Run {
        try run("workflow_dispatch", ["--input", "series=\(series)", "--input", "tree-url=\(kernelRepository.path)",
                                      "--input", "tree-branch=main"])
    }

    /// A verdict run: JUnit (well-formed, parsed by the emulated action) and the summary in the report set.
    static func expectReports(_ run: Run, failing: Bool) throws {
        let junit = try String(contentsOf: run.artifacts.appendingPathComponent("kgate-report-final/junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure") == failing, "junit: \(junit.prefix(2000))")
        #expect(run.summary("kgate").contains("tcp-stream-10ms"), "summary: \(run.summary("kgate").prefix(2000))")
        #expect(run.result("kgate") == (failing ? "failure" : "success"))
    }

    @Test func seriesAndPullRequestThroughTheShippedWorkflow() throws {
        let audit = try ProcessRunner.run("/usr/bin/env", ["python3", Self.runner.path, Self.workflow.path, "--root", "/nonexistent",
                                                           "--event", "pull_request", "--audit-only"], timeout: 60)
        #expect(audit.exitCode == 0, "audit: \(audit.stderr)")
        let (base, head) = try Self.prepareKernelRepository()

        // A regressing series from "lore" (an mbox in the kgate checkout) on the tree's branch: exit 1.
        let first = try Self.dispatch(series: Self.regressing)
        #expect(first.exitCode == 1, "stderr: \(first.stderr.suffix(4000))")
        try Self.expectReports(first, failing: true)
        #expect(first.stderr.contains("mode auto measured in deterministic mode"))
        #expect(first.stderr.contains("the series' base-commit") || first.stderr.contains("the series names no base-commit"))

        // The same check again: the build job restores the kgate cache and both kernels are cache hits.
        let second = try Self.dispatch(series: Self.regressing)
        #expect(second.exitCode == 1, "stderr: \(second.stderr.suffix(4000))")
        #expect(second.stderr.contains("cache: restored kgate-Linux-"), "stderr: \(second.stderr.suffix(4000))")
        #expect(second.stderr.contains(try Regex(#"build base [0-9a-f]{12}: \S+, cached"#)), "stderr: \(second.stderr.suffix(4000))")
        #expect(second.stderr.contains(try Regex(#"build candidate [0-9a-f]{12}: \S+, cached"#)))
        print("gha: the regressing check, first run \(Int(first.seconds)) s, second run \(Int(second.seconds)) s")

        // The pull-request form in the kernel repository: base = the PR's base, candidate = its head commit.
        let pr = try Self.run("pull_request", ["--pull-request", "base=\(base),head=\(head)",
                                               "--github-repository", "kernel/linux",
                                               "--repository", "kernel/linux=\(Self.kernelRepository.path)"])
        #expect(pr.exitCode == 1, "stderr: \(pr.stderr.suffix(4000))")
        try Self.expectReports(pr, failing: true)
        #expect(pr.stderr.contains("pull request: base \(base.prefix(12))"))

        // A benign series (the shipped example, comments and documentation): exit 0.
        let ok = try Self.dispatch(series: "kgate/pipelines/examples/benign-tcp-cleanup.mbox")
        #expect(ok.exitCode == 0, "stderr: \(ok.stderr.suffix(4000))")
        try Self.expectReports(ok, failing: false)
    }
}
