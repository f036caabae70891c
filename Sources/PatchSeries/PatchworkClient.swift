import Foundation
import HTTPClient
import KGateCore

/// Posts CI results to a patchwork instance (`POST /api/1.1/patches/{id}/checks/`).
/// The token is sent only in the Authorization header and never printed.
public final class PatchworkClient: @unchecked Sendable, CustomStringConvertible {
    public enum CheckState: String, Sendable, Codable, CaseIterable {
        case success, warning, fail, pending
    }

    public let baseURL: String
    private let token: String
    private let http: HTTPClient

    /// `baseURL` is the instance root (`https://patchwork.kernel.org`); a
    /// trailing `/api` or `/api/1.1` is accepted. The caller reads `token` from
    /// an environment variable or a file.
    public init(baseURL: String, token: String, http: HTTPClient? = nil) throws {
        self.baseURL = try PatchworkClient.normalizedBase(baseURL)
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw KGateError.usage("the patchwork token is empty or has invalid characters",
                                   fix: "put the API token (from your patchwork profile) in the variable or file")
        }
        self.token = trimmed
        self.http = try http ?? HTTPClient()
    }

    public var description: String { "PatchworkClient(\(baseURL), token: <redacted>)" }

    /// Records one check on a patch. `context` is patchwork's slug ("kgate-tcp-throughput").
    public func postCheck(patchID: Int, state: CheckState, context: String, targetURL: String?,
                          description: String) throws {
        guard patchID > 0 else { throw KGateError.usage("invalid patchwork patch id \(patchID)", fix: "pass the numeric id patchwork shows") }
        guard !context.isEmpty, context.count <= 255,
              context.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw KGateError.usage("invalid patchwork check context '\(context.prefix(80))'",
                                   fix: "use letters, digits, '-' and '_' (e.g. kgate-tcp-throughput)")
        }
        struct Body: Encodable {
            var state: String
            var context: String
            var target_url: String?
            var description: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Body(state: state.rawValue, context: context, target_url: targetURL,
                                           description: String(description.prefix(1000))))
        let url = "\(baseURL)/api/1.1/patches/\(patchID)/checks/"
        _ = try http.post(url, body: body, headers: [
            "Authorization": "Token \(token)",
            "Content-Type": "application/json",
            "Accept": "application/json",
        ])
    }

    /// The instance root of a patchwork URL (trailing `/`, `/api`, `/api/1.1` removed), or a usage error.
    public static func normalizedBase(_ raw: String) throws -> String {
        var base = raw.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        for suffix in ["/api/1.1", "/api"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw KGateError.usage("invalid patchwork URL '\(raw)'", location: raw, fix: "e.g. https://patchwork.kernel.org")
        }
        return base
    }
}
