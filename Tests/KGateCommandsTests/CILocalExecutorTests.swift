import Foundation
import KGateCore
import Testing
import TestSupport

/// The local CI executors' own unit tests (scripts/ci-local/test_*.py: GitLab's
/// `rules:if` expressions and variable expansion, job ordering by stage and needs,
/// `parallel:`, artifacts and caches, junit parsing, the keywords they refuse; the
/// shipped gitlab-ci.yml with a stand-in kgate: a failed shard or build still ends in a
/// verdict job with JUnit and the infrastructure or broken-patch exit code),
/// run here so CI runs them; 5-25 s (two 13-job pipelines), tiny git repositories only.
@Suite(.tags(.unit)) struct CILocalExecutorTests {
    @Test func gitlabExecutorUnitTestsPass() throws {
        let dir = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local")
        let r = try ProcessRunner.run("/usr/bin/python3", ["-m", "unittest", "-v", "test_gitlab"], cwd: dir, timeout: 300)
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        // unittest prints "Ran N tests" and "OK": a run that found no tests would pass silently.
        let ran = r.stderr.firstMatch(of: /Ran (\d+) tests?/).flatMap { Int($0.1) } ?? 0
        #expect(ran >= 10, "stderr: \(r.stderr.suffix(1000))")
    }

    /// swift_images.py (lint-ci.sh): every template's Swift image is the toolchain this
    /// project is tested with (`swift --version`), exact; another or a floating tag fails.
    @Test func templatesNameTheTestedSwiftToolchain() throws {
        let dir = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local")
        let r = try ProcessRunner.run("/usr/bin/python3", ["-m", "unittest", "-v", "test_swift_images"], cwd: dir, timeout: 120)
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        let ran = r.stderr.firstMatch(of: /Ran (\d+) tests?/).flatMap { Int($0.1) } ?? 0
        #expect(ran >= 5, "stderr: \(r.stderr.suffix(1000))")
    }

    /// pipelines/ci/buildbot/master.cfg at the unit level (scripts/ci-local/test_buildbot_master.py,
    /// Debian's buildbot under /usr/bin/python3, no master running, no kernel): checkconfig, the
    /// Nightly scheduler and its force form for `kgate nightly`, the force form's series and
    /// pull-request properties, exit codes → results (4 and 64 EXCEPTION), and the check's build
    /// command run by bash with a stand-in kgate (a tree that cannot be cloned is exit 4). ~10 s.
    @Test func buildbotMasterConfigUnitTestsPass() throws {
        let dir = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local")
        let r = try ProcessRunner.run("/usr/bin/python3", ["-m", "unittest", "-v", "test_buildbot_master"], cwd: dir, timeout: 300)
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        let ran = r.stderr.firstMatch(of: /Ran (\d+) tests?/).flatMap { Int($0.1) } ?? 0
        #expect(ran >= 6, "stderr: \(r.stderr.suffix(1000))")
    }
}
