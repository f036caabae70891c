import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Results

/// The real binary on a PostgreSQL store: `--store`, `KGATE_STORE`, export/import
/// between backends, and a password that never shows.
@Suite(.tags(.database), .needs(.postgres)) struct StoreCommandLineTests {
    @Test func storeURLOnTheCommandLineAndInTheEnvironmentNeverShowsThePassword() throws {
        let location = try Backend.postgres.freshLocation("cli")
        guard case .postgres(let url) = location.backend else { Issue.record("not a PostgreSQL location"); return }
        // The throwaway cluster trusts its socket: the password is ignored by the server, but
        // kgate must accept it, warn, and never print it.
        let withPassword = url.replacingOccurrences(of: "postgres@", with: "postgres:sekrit-pw@")
        let demo = try TestEnv.kgate(["results", "demo", "--store", withPassword], timeout: 120)
        #expect(demo.succeeded, "\(demo.stderr)")
        #expect(demo.stderr.contains("carries a password") && !(demo.stdout + demo.stderr).contains("sekrit-pw"))

        let listed = try TestEnv.kgate(["results", "list"], environment: ["KGATE_STORE": url], timeout: 60)
        #expect(listed.succeeded && listed.stdout.contains("regression"), "\(listed.stderr)")

        let file = try TestEnv.temporaryDirectory("cli-copy").appendingPathComponent("copy.sqlite").path
        let exported = try TestEnv.kgate(["results", "export", "--to", file, "--store", url], timeout: 60)
        #expect(exported.succeeded && exported.stdout.contains("copied 1 run(s)")
                && exported.stdout.contains("postgres://postgres@/kgate"), "\(exported.stdout)\(exported.stderr)")
        let show = try TestEnv.kgate(["results", "show", TestEnv.lastLine(demo.stdout), "--store", file], timeout: 60)
        #expect(show.stdout.contains("exit code 1 (throughput regression)"))
        let imported = try TestEnv.kgate(["results", "import", "--from", file, "--store", withPassword], timeout: 60)
        #expect(imported.succeeded && imported.stdout.contains("renumbered") && !(imported.stdout + imported.stderr).contains("sekrit-pw"))
        let usage = try TestEnv.kgate(["results", "export", "1", "--to", file, "--store", file], timeout: 60)
        #expect(usage.exitCode == 64)

        // No server there: a machine fault (exit 4), named without the password.
        let down = try TestEnv.kgate(["results", "list", "--store", "postgres://alice:sekrit-pw@127.0.0.1:1/lab"], timeout: 60)
        #expect(down.exitCode == 4 && down.stderr.contains("alice@127.0.0.1:1/lab"), "\(down.stderr)")
        #expect(!(down.stdout + down.stderr).contains("sekrit-pw"))
    }
}
