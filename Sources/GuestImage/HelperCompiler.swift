import Foundation
import KGateCore

/// Compiles a recipe's `compile` helper (a guest-side C program such as
/// vm-images/files/kgate-mm.c) with the host's C compiler, only when an image is
/// written (the image hash covers the source and `flags`, see
/// `ImageAssembler.entries(for:compile:)`). The result is static: no library
/// closure to carry.
enum HelperCompiler {
    static let outputLimit = 64 << 20
    static let flags = ["-O2", "-Wall", "-static", "-s"]

    static func compile(_ source: URL, recipe: URL) throws -> Data {
        let cc = try ProcessRunner.require("cc")
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("kgate-cc-\(getpid())-\(UUID().uuidString)")
        try CachePaths.ensureDirectory(scratch)
        let token = Supervisor.registerTemporary(scratch)
        defer { try? FileManager.default.removeItem(at: scratch); Supervisor.release(token) }
        let output = scratch.appendingPathComponent("a.out")
        // -ffile-prefix-map keeps the host path out of the binary (a stable hash).
        let arguments = flags + ["-ffile-prefix-map=\(source.deletingLastPathComponent().path)=.",
                                 "-o", output.path, source.path]
        let r = try ProcessRunner.run(cc.path, arguments, timeout: 120)
        guard r.succeeded else {
            throw KGateError.infrastructure("compiling the guest helper \(source.lastPathComponent) failed (cc exit \(r.exitCode))",
                                   location: recipe.path,
                                   fix: "fix the C source, or install gcc and libc6-dev (static libc) with apt-get",
                                   excerpt: r.stderr)
        }
        return try readBoundedFile(output, limit: outputLimit, what: "compiled guest helper")
    }
}

extension GuestImages {
    /// A guest-side C program compiled now as the recipe's `compile` does (static,
    /// stripped: the same source and compiler give the same bytes), for a plan
    /// archive that carries it (the profiler of `Measurement.ProfileRunner`).
    public static func compileHelper(_ source: URL) throws -> Data {
        try HelperCompiler.compile(source, recipe: source)
    }
}
