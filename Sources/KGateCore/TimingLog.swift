import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where the time of a run goes, one JSON line per kernel build and boot, for
/// the test run's timing table (`scripts/test.sh` prints the slowest) and for
/// anyone who wants the same figures of their own runs.
///
/// Off unless `KGATE_TIMINGS` names a file. Each line is one `write` with
/// `O_APPEND`, so the kgate processes of a test run and the test process itself
/// share one file. `KGATE_TIMING_CONTEXT` (the test that started the process) is
/// copied into each line. A line that cannot be written is dropped: timing
/// never fails a run.
public enum TimingLog {
    public struct Record: Codable, Sendable, Equatable {
        /// `build` or `boot`.
        public var kind: String
        /// What was built or booted: a revision and its object count, a boot label and seed.
        public var what: String
        public var seconds: Double
        /// The wall-clock end (seconds since 1970), to place a record in a test's interval.
        public var end: Double
        /// The test that started the process, when the test run said so.
        public var context: String?
        /// `success`, `cached`, a boot classification, ….
        public var outcome: String
        public var pid: Int32
        /// A boot's QEMU CPU seconds (user plus system, `wait4`).
        public var cpuSeconds: Double?
        /// A boot's guest seconds per phase (`GuestPhases`), and in all under `total`.
        public var guestSeconds: [String: Double]?

        public init(kind: String, what: String, seconds: Double, end: Double, context: String?, outcome: String,
                    pid: Int32, cpuSeconds: Double? = nil, guestSeconds: [String: Double]? = nil) {
            self.kind = kind; self.what = what; self.seconds = seconds; self.end = end; self.context = context
            self.outcome = outcome; self.pid = pid; self.cpuSeconds = cpuSeconds; self.guestSeconds = guestSeconds
        }
    }

    public static let variable = "KGATE_TIMINGS"
    public static let contextVariable = "KGATE_TIMING_CONTEXT"
    /// Longest `what`/`context`/`outcome` kept (an environment value is outside input).
    static let fieldLimit = 300

    private static let contextProvider = Mutex<(@Sendable () -> String?)?>(nil)

    /// Names the context of records made in this process (the test process
    /// names the running test); `KGATE_TIMING_CONTEXT` is the fallback.
    public static func setContextProvider(_ provider: @escaping @Sendable () -> String?) {
        contextProvider.withLock { $0 = provider }
    }

    /// The file records go to, or nil when timing is off.
    public static var destination: URL? {
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// Appends one record when timing is on.
    public static func record(_ kind: String, _ what: String, seconds: Double, outcome: String, end: Date = Date(),
                              cpuSeconds: Double? = nil, guestSeconds: [String: Double]? = nil) {
        guard let file = destination else { return }
        let context = contextProvider.withLock { $0 }?() ?? ProcessInfo.processInfo.environment[contextVariable]
        let record = Record(kind: kind, what: String(what.prefix(fieldLimit)), seconds: seconds,
                            end: end.timeIntervalSince1970,
                            context: context.map { String($0.prefix(fieldLimit)) },
                            outcome: String(outcome.prefix(fieldLimit)), pid: getpid(),
                            cpuSeconds: cpuSeconds, guestSeconds: guestSeconds)
        append(record, to: file)
    }

    static func append(_ record: Record, to file: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        let fd = open(file.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads a timing file; lines that do not decode are skipped.
    public static func read(_ file: URL) -> [Record] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(Record.self, from: Data($0.utf8)) }
    }
}
