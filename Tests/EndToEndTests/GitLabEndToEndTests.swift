import Foundation
import KGateCore
import Testing
import TestSupport

/// pipelines/ci/gitlab-ci.yml as shipped, run job by job by the local executor
/// (scripts/ci-local/gitlab.py: each job in a fresh clone and HOME, needs and
/// stages in order, parallel shards, artifacts and caches as GitLab passes them),
/// with the shipped premerge pipeline: a regressing series exits 1 with a JUnit
/// report, a benign one from a patchwork (Tests/TestSupport/FakePatchwork) exits 0
/// and its verdict job posts the check to the series' last patch (the token a masked
/// variable, never on argv nor in a log), and a merge request on a kernel repository (the
/// test tree plus one commit made from the regressing example) exits 1. A second
/// run of the regressing check restores the GitLab cache and builds nothing.
/// The jobs run the test run's kgate (KGATE_BIN), and the executor's cache store
/// starts from this run's cache (built kernels, boot memo), as a runner's cache
/// would after earlier pipelines; new boots go back to it for the other suites.
@Suite(.serialized, .tags(.endToEnd, .network), .needs(.kernelSource, .qemu, .localServer)) struct GitLabEndToEndTests {
    static let config = TestEnv.packageRoot.appendingPathComponent("pipelines/ci/gitlab-ci.yml").path
    static let executor = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local/gitlab.py").path
    static let regressing = "pipelines/examples/regress-tcp-rcv-audit.mbox"
    static let benign = "pipelines/examples/benign-tcp-cleanup.mbox"
    static let token = "kgate-gitlab-e2e-token"

    init() throws {
        try SharedKernel.ensureTree()
    }

    struct Run {
        var exitCode: Int32
        var seconds: Double
        var output: String
        var jobs: [[String: Any]]
        var work: URL

        func job(_ name: String) -> [String: Any]? { jobs.first { ($0["name"] as? String) == name } }
        func log(_ name: String) throws -> String {
            let path = try #require(job(name)?["log"] as? String)
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        /// The verdict job's exit code: the pipeline's verdict.
        var verdict: Int? { job("kgate-verdict")?["exit_code"] as? Int }
    }

    static func git(_ args: [String], _ dir: URL? = nil, env: [String: String] = [:]) throws -> String {
        let r = try ProcessRunner.run("git", (dir.map { ["-C", $0.path] } ?? []) + args, environment: env)
        guard r.exitCode == 0 else { throw KGateError.infrastructure("git \(args.joined(separator: " ")) failed", excerpt: r.stderr) }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The kgate commit the jobs fetch (KGATE_GIT_URL/REF): this checkout's HEAD, read once
    /// (it names the GitLab cache keys, which must not change between the runs of a test).
    static let kgateRef: String = (try? git(["rev-parse", "HEAD"], TestEnv.packageRoot)) ?? "HEAD"

    /// The executor's cache store, primed from the test cache (kernels and boot memo) under the template's keys.
    /// Both examples' kernels are built in the test cache first (incremental there, a cache hit when
    /// another suite built them), as a runner's cache holds them after earlier pipelines.
    static func store(_ work: URL) throws -> URL {
        for series in [regressing, benign] {
            let out = work.appendingPathComponent("prebuild")
            let r = try TestEnv.kgate(["build", "--export", out.path, "--tree", TestEnv.defaultTreeName, "--series",
                                       TestEnv.packageRoot.appendingPathComponent(series).path, "--pipeline", "premerge"])
            guard r.exitCode == 0 else { throw KGateError.infrastructure("test setup: kgate build --export failed", excerpt: r.stderr) }
            try FileManager.default.removeItem(at: out)
        }
        let store = work.appendingPathComponent("cache-store")
        let ref = kgateRef
        let build = store.appendingPathComponent("kgate-build-\(ref)-premerge/.kgate-cache")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        _ = try ProcessRunner.run("/bin/cp", ["-a", TestEnv.cache.root.appendingPathComponent("builds").path, build.path])
        for node in 1...2 {
            let boots = store.appendingPathComponent("kgate-boots-\(ref)-premerge-\(node)/.kgate-cache")
            try FileManager.default.createDirectory(at: boots, withIntermediateDirectories: true)
            _ = try ProcessRunner.run("/bin/cp", ["-a", TestEnv.cache.root.appendingPathComponent("boot-memo").path, boots.path])
        }
        return store
    }

    /// The suite's one cache store (its prebuild exports and copies made once): the merge-request
    /// pipeline restores what the series pipelines saved, as one runner's cache would.
    static let sharedStore: Result<URL, any Error> = Result { try store(TestEnv.temporaryDirectory("gitlab-store")) }

    /// Boots the jobs measured, back into the test cache's boot memo (for the suites that repeat them).
    static func keepBoots(_ store: URL) throws {
        let memo = TestEnv.cache.root.appendingPathComponent("boot-memo")
        for node in 1...2 {
            let boots = store.appendingPathComponent("kgate-boots-\(kgateRef)-premerge-\(node)/.kgate-cache/boot-memo")
            guard FileManager.default.fileExists(atPath: boots.path) else { continue }
            _ = try ProcessRunner.run("/bin/cp", ["-a", "-n", boots.path + "/.", memo.path])
        }
    }

    static func pipeline(project: URL, store: URL, work: URL, variables: [String: String], extra: [String] = [],
                         masked: [String: String] = [:]) throws -> Run {
        let summary = work.appendingPathComponent("summary.json")
        var vars = ["KGATE_BIN": TestEnv.kgateBinary.path, "KGATE_GIT_URL": TestEnv.packageRoot.path, "KGATE_GIT_REF": kgateRef]
        vars.merge(variables) { $1 }
        for key in [TimingLog.variable] {
            if let v = ProcessInfo.processInfo.environment[key] { vars[key] = v }
        }
        vars[TimingLog.contextVariable] = TestEnv.currentTestName
        let args = [executor, config, "--project", project.path, "--work", work.path, "--cache-store", store.path,
                    "--summary", summary.path,
                    // Images are not reproduced here: each job that starts kgate installs its runtime first.
                    "--require-install", #"(^|[;&|\s])kgate\s=install-(runtime|deps)\.sh"#]
            + vars.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0.key)=\($0.value)"] } + extra
            // Masked CI/CD variables (a token): through the environment, never argv.
            + masked.keys.sorted().flatMap { ["--masked-var", $0] }
        let start = Date()
        let r = try ProcessRunner.run("/usr/bin/python3", args, environment: masked, timeout: 3000)
        let seconds = Date().timeIntervalSince(start)
        var jobs: [[String: Any]] = []
        if let data = try? Data(contentsOf: summary),
           let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
            jobs = (root["jobs"] as? [[String: Any]]) ?? []
        }
        try keepBoots(store)
        return Run(exitCode: r.exitCode, seconds: seconds, output: r.stdout + r.stderr, jobs: jobs, work: work)
    }

    /// The verdict job's report set and JUnit: `failures` JUnit failures expected (0 or more than 0).
    static func expectReport(_ run: Run, failing: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verdict = try #require(run.job("kgate-verdict"), "jobs: \(run.jobs.map { $0["name"] ?? "" })", sourceLocation: sourceLocation)
        let junit = try #require(verdict["junit"] as? [String: Any], "verdict: \(verdict)", sourceLocation: sourceLocation)
        #expect((junit["tests"] as? Int ?? 0) > 0, sourceLocation: sourceLocation)
        #expect(((junit["failures"] as? Int ?? 0) > 0) == failing, "junit: \(junit)", sourceLocation: sourceLocation)
        let artifacts = run.work.appendingPathComponent("jobs")
        let dirs = try FileManager.default.contentsOfDirectory(atPath: artifacts.path).filter { $0.hasSuffix("kgate-verdict") }
        let report = artifacts.appendingPathComponent(try #require(dirs.first)).appendingPathComponent("artifacts/report")
        for name in ["summary.md", "junit.xml", "report.json"] {
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent(name).path), "\(name)",
                    sourceLocation: sourceLocation)
        }
    }

    static func seriesVariables(_ series: String) -> [String: String] {
        ["KGATE_SERIES": series, "KGATE_TREE_URL": TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git").path,
         "KGATE_TREE_BRANCH": "main"]
    }

    @Test func seriesPipelinesGiveTheVerdictWithJUnitAndASecondRunBuildsNothing() throws {
        let work = try TestEnv.temporaryDirectory("gitlab-e2e")
        let store = try Self.sharedStore.get()
        // The series form runs in the kgate project: its jobs clone this checkout.
        let regress = try Self.pipeline(project: TestEnv.packageRoot, store: store, work: work.appendingPathComponent("regress"),
                                        variables: Self.seriesVariables(Self.regressing))
        #expect(regress.verdict == 1, "output: \(regress.output.suffix(3000))")
        #expect(regress.exitCode == 1, "a regression fails the pipeline")
        try Self.expectReport(regress, failing: true)
        for shard in ["kgate-shard-1 1/2", "kgate-shard-1 2/2"] {
            let log = try regress.log(shard)
            #expect(log.contains("install-runtime.sh"), "\(shard) installs its runtime")
            #expect(!log.contains("build:"), "a shard must not build: \(log.suffix(1500))")
        }

        // The benign series from patchwork (a series id, fetched by the build job), the verdict posted
        // back as a check on its last patch by the verdict job, the token a masked variable.
        var world = FakePatchwork.World(token: Self.token)
        var series = FakePatchwork.Series(id: 91, project: "netdev", name: "tcp: cleanups", patches: [9101, 9102])
        series.mbox = try String(contentsOf: TestEnv.packageRoot.appendingPathComponent(Self.benign), encoding: .utf8)
        world.series = [series]
        let pw = try FakePatchwork(world)
        defer { pw.stop() }
        let benign = try Self.pipeline(project: TestEnv.packageRoot, store: store, work: work.appendingPathComponent("benign"),
                                       variables: ["KGATE_SERIES": "91", "KGATE_PATCHWORK_URL": pw.baseURL,
                                                   "KGATE_PATCHWORK_POST": "9102"]
                                           .merging(Self.seriesVariables(Self.benign).filter { $0.key != "KGATE_SERIES" }) { $1 },
                                       masked: ["KGATE_PATCHWORK_TOKEN": Self.token])
        #expect(benign.verdict == 0, "output: \(benign.output.suffix(3000))")
        #expect(benign.exitCode == 0)
        try Self.expectReport(benign, failing: false)
        let checks = try pw.checks()
        #expect(checks.map(\.patch) == [9102], "one check, on the series' last patch: \(checks.map(\.patch))")
        #expect(checks.first?.state == "success" && checks.first?.context == "kgate-gitlab", "\(checks)")
        #expect(checks.first?.description.contains("tcp-stream-10ms") == true, "\(checks)")
        #expect(!benign.output.contains(Self.token))
        for job in benign.jobs.compactMap({ $0["log"] as? String }) {
            #expect(!(try String(contentsOfFile: job, encoding: .utf8)).contains(Self.token), "the token in \(job)")
        }

        // The same check again: the build job restores the GitLab cache the first run saved, builds nothing.
        let again = try Self.pipeline(project: TestEnv.packageRoot, store: store, work: work.appendingPathComponent("again"),
                                      variables: Self.seriesVariables(Self.regressing))
        #expect(again.verdict == 1)
        #expect(again.output.contains("kgate-build: cache kgate-build-\(Self.kgateRef)-premerge restored"))
        let build = try again.log("kgate-build")
        // kgate prints "build base|candidate <id>: <release>, cached" for a result-cache hit, the seconds of make otherwise.
        let cached = try Regex(#"build (base|candidate) [0-9a-f]{12}: [^,\n]+, cached"#)
        #expect(build.matches(of: cached).count == 2, "a second run must not build: \(build.suffix(2000))")
        print("gitlab: regressing series \(String(format: "%.1f", regress.seconds)) s, benign \(String(format: "%.1f", benign.seconds)) s, "
              + "regressing again (cache restored) \(String(format: "%.1f", again.seconds)) s")
    }

    @Test func mergeRequestOnAKernelRepositoryWithTwoCommitsExitsOne() throws {
        let work = try TestEnv.temporaryDirectory("gitlab-mr")
        let store = try Self.sharedStore.get()
        // The kernel repository: the test tree (objects shared) plus one commit made from the regressing example.
        let repo = work.appendingPathComponent("linux")
        let tree = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git")
        _ = try Self.git(["clone", "-q", "--bare", "--shared", tree.path, repo.path])
        let base = try Self.git(["rev-parse", "HEAD"], repo)
        let mail = TestEnv.packageRoot.appendingPathComponent(Self.regressing)
        let split = work.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: split, withIntermediateDirectories: true)
        let patch = split.appendingPathComponent("patch"), message = split.appendingPathComponent("msg")
        let info = try ProcessRunner.run("/bin/sh", ["-c", "git mailinfo \"$1\" \"$2\" < \"$3\"", "sh", message.path, patch.path, mail.path])
        #expect(info.exitCode == 0, "git mailinfo: \(info.stderr)")
        let index = ["GIT_INDEX_FILE": work.appendingPathComponent("index").path]
        _ = try Self.git(["read-tree", base], repo, env: index)
        _ = try Self.git(["apply", "--cached", patch.path], repo, env: index)
        let treeID = try Self.git(["write-tree"], repo, env: index)
        let commit = try Self.git(["-c", "user.name=Tess Tester", "-c", "user.email=tess@example.org", "commit-tree", treeID,
                                   "-p", base, "-F", message.path], repo)
        _ = try Self.git(["update-ref", "refs/heads/audit", commit], repo)

        let mr = try Self.pipeline(project: repo, store: store, work: work.appendingPathComponent("run"), variables: [:],
                                   extra: ["--source", "merge_request_event", "--sha", commit, "--mr-base", base,
                                           "--branch", "audit"])
        #expect(mr.verdict == 1, "output: \(mr.output.suffix(3000))")
        #expect(mr.exitCode == 1)
        try Self.expectReport(mr, failing: true)
        print("gitlab: merge request \(String(format: "%.1f", mr.seconds)) s")
    }
}
