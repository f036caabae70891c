import Foundation
import KGateCore
import Testing
import TestSupport

/// scripts/ci-local/gha.py, the local GitHub Actions runner the workflow's end-to-end
/// test relies on, on small workflows: needs order and outputs, matrix legs, `if:`
/// with failure()/always(), artifacts with pattern and merge, actions/cache by key and
/// restore-keys, fresh HOME per job, and loud failures on what it does not know.
@Suite(.tags(.unit)) struct LocalWorkflowRunnerTests {
    static let runner = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local/gha.py")

    static func run(_ workflow: String, runID: Int = 1, root: URL? = nil) throws -> (ProcessResult, [String: Any]?, URL) {
        let dir = try root ?? TestEnv.temporaryDirectory("gha-unit")
        let repo = dir.appendingPathComponent("repo")
        if !FileManager.default.fileExists(atPath: repo.path) {
            try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
            try Data("hello\n".utf8).write(to: repo.appendingPathComponent("file.txt"))
            for args in [["init", "-q", "-b", "main"], ["add", "file.txt"],
                         ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one"]] {
                _ = try ProcessRunner.run("/usr/bin/git", args, cwd: repo, timeout: 60)
            }
        }
        let file = dir.appendingPathComponent("wf-\(runID).yml")
        try Data(workflow.utf8).write(to: file)
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", runner.path, file.path, "--root", dir.appendingPathComponent("root").path,
                                                       "--run-id", "\(runID)", "--event", "workflow_dispatch",
                                                       "--input", "word=hi", "--repository", "local/repository=\(repo.path)"],
                                      timeout: 120)
        let result = dir.appendingPathComponent("root/runs/\(runID)/result.json")
        let record = (try? Data(contentsOf: result)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        return (r, record, dir)
    }

    static let header = """
        on:
          workflow_dispatch:
            inputs:
              word: {required: true}
        permissions: {contents: read, checks: write}
        jobs:

        """

    @Test func jobsStepsMatrixArtifactsAndCachesAsGitHubRunsThem() throws {
        let wf = Self.header + """
          a:
            runs-on: ubuntu-latest
            strategy: {matrix: {n: [1, 2]}}
            outputs: {word: "${{ steps.w.outputs.word }}"}
            steps:
              - uses: actions/checkout@v4
              - id: w
                run: |
                  test -f file.txt && test ! -e "$HOME/seen"; touch "$HOME/seen"
                  echo "word=${{ inputs.word }}-${{ matrix.n }}" >> "$GITHUB_OUTPUT"
                  mkdir -p out; echo "${{ matrix.n }}" > "out/n${{ matrix.n }}"
              - uses: actions/upload-artifact@v4
                with: {name: "part-${{ matrix.n }}", path: out/}
              - uses: actions/cache/restore@v4
                id: restore
                with: {path: ~/c, key: "k-${{ github.run_id }}-${{ matrix.n }}", restore-keys: "k-"}
              - run: mkdir -p ~/c && echo "${{ steps.restore.outputs.cache-hit }}" > ~/c/hit-${{ matrix.n }}
              - uses: actions/cache/save@v4
                with: {path: ~/c, key: "k-${{ github.run_id }}-${{ matrix.n }}"}
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - uses: actions/download-artifact@v4
                with: {pattern: "part-*", path: all, merge-multiple: true}
              - run: test "$(cat all/n1 all/n2 | tr -d '\\n')" = 12 && test "${{ needs.a.outputs.word }}" = hi-2
              - run: exit 3
              - if: failure()
                run: echo "summary of b" >> "$GITHUB_STEP_SUMMARY"
              - if: success()
                run: echo never > never
          c:
            needs: b
            runs-on: ubuntu-latest
            steps:
              - run: echo "c must be skipped after b failed"
          d:
            needs: [b, c]
            if: always() && needs.b.result == 'failure' && needs.c.result == 'skipped'
            runs-on: ubuntu-latest
            steps:
              - run: test "${{ needs.c.outputs.x }}" = ""

        """
        let (r, record, dir) = try Self.run(wf)
        #expect(r.exitCode == 1, "stderr: \(r.stderr.suffix(3000))")
        let jobs = try #require(record?["jobs"] as? [String: [String: Any]])
        #expect(jobs["a"]?["result"] as? String == "success", "stderr: \(r.stderr.suffix(3000))")
        #expect(jobs["b"]?["result"] as? String == "failure")
        #expect(jobs["c"]?["result"] as? String == "skipped")
        #expect(jobs["d"]?["result"] as? String == "success", "stderr: \(r.stderr.suffix(3000))")
        let b = try #require((jobs["b"]?["legs"] as? [[String: Any]])?.first)
        #expect((b["summary"] as? String)?.contains("summary of b") == true)

        // A second run restores the newest entry by restore-keys prefix.
        let (again, _, _) = try Self.run(wf, runID: 2, root: dir)
        #expect(again.stderr.contains("cache: restored k-1-"), "stderr: \(again.stderr.suffix(3000))")
    }

    @Test(arguments: [
        "      - run: echo ${{ nosuch.value }}",
        "      - run: echo ${{ nosuchfunction() }}",
        "      - uses: actions/setup-node@v4",
        "      - uses: actions/checkout",
    ]) func whatItDoesNotKnowFailsLoudly(step: String) throws {
        let wf = Self.header + """
          a:
            runs-on: ubuntu-latest
            steps:
        \(step)

        """
        let (r, _, _) = try Self.run(wf)
        #expect(r.exitCode == 2, "stderr: \(r.stderr.suffix(2000))")
    }

    @Test func aMalformedJUnitReportFailsTheStep() throws {
        let wf = Self.header + """
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo '<testsuites><testcase name="x">' > junit.xml
              - uses: mikepenz/action-junit-report@v4
                with: {report_paths: junit.xml}

        """
        let (r, record, _) = try Self.run(wf)
        #expect(r.exitCode == 1)
        #expect((record?["jobs"] as? [String: [String: Any]])?["a"]?["result"] as? String == "failure")
    }
}
