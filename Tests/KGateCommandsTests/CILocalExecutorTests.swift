import Foundation
import KGateCore
import Testing
import TestSupport

/// The local CI executors' own unit tests (scripts/ci-local/test_*.py), run here so CI
/// runs them; tiny git repositories only, no kernel, no master running:
/// - test_gitlab: GitLab's `rules:if` expressions and variable expansion, job ordering by
///   stage and needs, `parallel:`, artifacts and caches, junit parsing, the keywords they
///   refuse; the shipped gitlab-ci.yml with a stand-in kgate: a failed shard or build
///   still ends in a verdict job with JUnit and the infrastructure or broken-patch exit
///   code (5-25 s: two 13-job pipelines);
/// - test_swift_images (lint-ci.sh): every template's Swift image is the toolchain this
///   project is tested with (`swift --version`), exact; another or a floating tag fails;
/// - test_buildbot_master: pipelines/ci/buildbot/master.cfg under Debian's buildbot:
///   checkconfig, the Nightly scheduler and its force form for `kgate nightly`, the force
///   form's series and pull-request properties, exit codes → results (4 and 64
///   EXCEPTION), and the check's build command run by bash with a stand-in kgate (a tree
///   that cannot be cloned is exit 4); ~10 s.
@Suite(.tags(.unit)) struct CILocalExecutorTests {
    /// Each module and the fewest tests it must have run: unittest prints "Ran N tests"
    /// and "OK", and a run that found no tests would pass silently.
    @Test(arguments: [("test_gitlab", 10), ("test_swift_images", 5), ("test_buildbot_master", 6)])
    func pythonUnitTestsPass(module: String, atLeast: Int) throws {
        let dir = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local")
        let r = try ProcessRunner.run("/usr/bin/python3", ["-m", "unittest", "-v", module], cwd: dir, timeout: 300)
        #expect(r.exitCode == 0, "\(module) stderr: \(r.stderr.suffix(3000))")
        let ran = r.stderr.firstMatch(of: /Ran (\d+) tests?/).flatMap { Int($0.1) } ?? 0
        #expect(ran >= atLeast, "\(module) stderr: \(r.stderr.suffix(1000))")
    }
}
