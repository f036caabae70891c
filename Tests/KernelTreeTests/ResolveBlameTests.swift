import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

/// A revision that does not resolve is the user's (exit 64); any other libgit2
/// failure while resolving is the host's (exit 4), and keeps libgit2's error as its cause.
@Suite(.tags(.unit)) struct ResolveBlameTests {
    @Test func aMissingNameIsTheInputsWithLibgit2sCause() throws {
        let (repo, _) = try Fixture.repository()
        let error = #expect(throws: KGateError.self) { try repo.resolve("no-such-branch") }
        #expect(error?.blame == .input && error?.exitCode == KGateExitCode.usage)
        let cause = try #require(error?.cause as? GitFailure)
        #expect(cause.nameDoesNotResolve)
    }

    @Test func aCorruptReferenceIsTheHosts() throws {
        let (repo, _) = try Fixture.repository()
        // A loose reference whose content is not an object id: libgit2 fails to read it (not "not found").
        let gitDir = URL(fileURLWithPath: repo.info.path)
        let refs = FileManager.default.fileExists(atPath: gitDir.appendingPathComponent(".git").path)
            ? gitDir.appendingPathComponent(".git/refs/heads") : gitDir.appendingPathComponent("refs/heads")
        try FileManager.default.createDirectory(at: refs, withIntermediateDirectories: true)
        try Data("this is not an object id\n".utf8).write(to: refs.appendingPathComponent("broken"))
        let error = #expect(throws: KGateError.self) { try repo.resolve("broken") }
        let cause = try #require(error?.cause as? GitFailure)
        #expect(!cause.nameDoesNotResolve, "\(cause)")
        #expect(error?.blame == .host && error?.exitCode == KGateExitCode.infrastructure)
    }
}
