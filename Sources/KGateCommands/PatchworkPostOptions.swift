import ArgumentParser
import Foundation
import KGateCore
import Pipeline

/// `--post-patchwork` and its token and link options: the same in `kgate check`
/// and `kgate merge` (the sharded check's verdict).
struct PatchworkPostOptions: ParsableArguments {
    @Option(name: .customLong("post-patchwork"),
            help: ArgumentHelp("Post the verdict as a check on this patchwork patch id.", valueName: "patch-id"))
    var patchID: Int?

    @Option(name: .customLong("patchwork-token-env"),
            help: ArgumentHelp("The environment variable holding the patchwork API token.", valueName: "var"))
    var tokenEnv: String = "KGATE_PATCHWORK_TOKEN"

    @Option(name: .customLong("patchwork-token-file"), help: ArgumentHelp("A file holding the patchwork API token.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("patchwork-context"), help: ArgumentHelp("The check's context on patchwork.", valueName: "slug"))
    var context: String = "kgate-throughput"

    @Option(name: .customLong("target-url"), help: ArgumentHelp("A URL for the check's link (the CI job).", valueName: "url"))
    var targetURL: String?

    /// The post, or nil without --post-patchwork; the token is read now (a missing one is a usage error before any work).
    func post(baseURL: String) throws -> PatchworkPost? {
        guard let patchID else { return nil }
        return PatchworkPost(baseURL: baseURL, patchID: patchID, token: try readToken(), context: context, targetURL: targetURL)
    }

    /// The token comes from a file or an environment variable, never the command line.
    private func readToken() throws -> String {
        try readPatchworkToken(file: tokenFile, environmentVariable: tokenEnv)
    }
}
