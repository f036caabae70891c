import Foundation
import KGateCore

/// The text symbols of one kernel build, from its `System.map` (`nm -n vmlinux`:
/// `ADDRESS TYPE NAME` per line, ascending). An address resolves to the text
/// symbol at or below it, so a `noinline` helper a patch adds resolves under its
/// own name; one past `_etext` (or below the first symbol) resolves to nothing.
public struct SymbolMap: Sendable, Equatable {
    public struct Symbol: Sendable, Equatable {
        public var address: UInt64
        public var name: String
    }

    /// Text symbols, ascending by address (one name per address: the first function listed there).
    public private(set) var symbols: [Symbol]
    /// The end of the kernel's text (`_etext`), when listed.
    public private(set) var textEnd: UInt64?

    /// System.map files above this are refused (a 6.12 allyesconfig map is about 12 MiB).
    public static let sizeLimit = 64 << 20

    public init(symbols: [Symbol], textEnd: UInt64?) {
        self.symbols = symbols.sorted { $0.address < $1.address }
        self.textEnd = textEnd
    }

    /// Parses System.map text. Types `t`/`T` (text) and `w`/`W` (weak, when
    /// in text) name functions; data, absolute and local-label symbols are skipped.
    public static func parse(_ text: String, source: String = "System.map") throws -> SymbolMap {
        var symbols: [Symbol] = []
        var textEnd: UInt64?
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            lineNumber += 1
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, let address = UInt64(fields[0], radix: 16), fields[1].count == 1 else {
                throw KGateError.infrastructure("\(source) line \(lineNumber) is not `ADDRESS TYPE NAME`",
                                       location: source, excerpt: String(line.prefix(200)))
            }
            let name = String(fields[2])
            if name == "_etext" { textEnd = address }
            guard "tTwW".contains(fields[1]), !name.hasPrefix(".L"), !name.hasPrefix("__pfx_") else { continue }
            // One name per address: a function's own name over a section marker
            // (`__cpuidle_text_start` is default_idle's address too).
            if let last = symbols.last, last.address == address {
                if isMarker(last.name) && !isMarker(name) { symbols[symbols.count - 1].name = name }
                continue
            }
            symbols.append(Symbol(address: address, name: name))
        }
        guard !symbols.isEmpty else {
            throw KGateError.infrastructure("\(source) lists no text symbols", location: source,
                                   fix: "pass the System.map of the kernel that was profiled")
        }
        return SymbolMap(symbols: symbols, textEnd: textEnd)
    }

    /// Linker section bounds such as `__sched_text_start`, `__entry_text_end`.
    static func isMarker(_ name: String) -> Bool {
        name.hasPrefix("__") && (name.hasSuffix("_start") || name.hasSuffix("_end"))
    }

    /// Reads and parses a System.map file (bounded).
    public static func load(_ url: URL) throws -> SymbolMap {
        let data = try readBoundedFile(url, limit: sizeLimit, what: "System.map")
        return try parse(String(decoding: data, as: UTF8.self), source: url.path)
    }

    /// The function holding `address`, or nil outside the kernel's text.
    public func function(at address: UInt64) -> String? {
        if let textEnd, address >= textEnd { return nil }
        var low = 0, high = symbols.count
        while low < high {
            let mid = (low + high) / 2
            if symbols[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : symbols[low - 1].name
    }
}
