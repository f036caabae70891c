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
}
