import Foundation
import KGateCore

// CONTRACT for VirtualMachine (issue 4). The VM work replaces the PLACEHOLDER
// bodies, keeping these signatures (it may add to them).

/// One boot of one kernel.
public struct BootRequest: Sendable {
    public var kernel: URL
    /// The guest image (cpio).
    public var image: URL
    /// Appended as a second cpio archive (see `GuestImages.planArchive`); empty: none.
    public var plan: Data
    public var mode: MeasurementMode
    public var memoryMiB: Int
    /// Extra kernel command-line words.
    public var appendCommandLine: [String]
    /// Seconds of wall time until init must be reached.
    public var bootTimeout: Double
    /// Seconds of wall time for the whole run (boot plus plan).
    public var runTimeout: Double
    /// Label for the boot directory and logs ("base-trials", "candidate").
    public var label: String

    public init(kernel: URL, image: URL, plan: Data = Data(), mode: MeasurementMode = .auto, memoryMiB: Int = 1024,
                appendCommandLine: [String] = [], bootTimeout: Double = 120, runTimeout: Double = 900, label: String = "boot") {
        self.kernel = kernel; self.image = image; self.plan = plan; self.mode = mode; self.memoryMiB = memoryMiB
        self.appendCommandLine = appendCommandLine; self.bootTimeout = bootTimeout; self.runTimeout = runTimeout
        self.label = label
    }
}

/// How a boot ended.
public enum BootClass: String, Sendable, Codable {
    case ok
    case panic
    case oops
    case bootTimeout = "boot-timeout"
    case runTimeout = "run-timeout"
    case qemuFailedToStart = "qemu-failed-to-start"
    case qemuCrashed = "qemu-crashed"
}

/// One blob from the result channel (vm-images/PROTOCOL.md).
public struct GuestBlob: Sendable, Equatable {
    public var name: String
    public var data: Data
    public var exitCode: Int32
    public init(name: String, data: Data, exitCode: Int32) { self.name = name; self.data = data; self.exitCode = exitCode }
    public var text: String { String(decoding: data, as: UTF8.self) }
}

public struct BootOutcome: Sendable {
    public var classification: BootClass
    /// The mode that actually ran (auto resolved).
    public var mode: MeasurementMode
    /// Console lines around the first relevant line (panic, oops, last lines on timeout, QEMU stderr).
    public var excerpt: String
    /// WARNING splats seen (reported, not fatal).
    public var warnings: [String]
    public var consoleLog: URL
    /// Blobs in the order they arrived.
    public var blobs: [GuestBlob]
    /// The plan's exit status from `@@KGATE DONE`, nil if it never finished.
    public var planExitCode: Int32?
    public var wallSeconds: Double
    /// Wall seconds until `kgate: init reached`, and the guest's uptime then.
    public var wallSecondsToInit: Double?
    public var guestSecondsToInit: Double?

    public init(classification: BootClass, mode: MeasurementMode, excerpt: String, warnings: [String], consoleLog: URL,
                blobs: [GuestBlob], planExitCode: Int32?, wallSeconds: Double, wallSecondsToInit: Double?,
                guestSecondsToInit: Double?) {
        self.classification = classification; self.mode = mode; self.excerpt = excerpt; self.warnings = warnings
        self.consoleLog = consoleLog; self.blobs = blobs; self.planExitCode = planExitCode; self.wallSeconds = wallSeconds
        self.wallSecondsToInit = wallSecondsToInit; self.guestSecondsToInit = guestSecondsToInit
    }

    public func blob(_ name: String) -> GuestBlob? { blobs.first { $0.name == name } }
}

public enum VirtualMachines {
    /// Resolves `auto` by a real KVM boot probe (cached per host); other modes as given.
    public static func resolve(_ mode: MeasurementMode, paths: CachePaths, console: Console = .shared) throws -> MeasurementMode {
        throw placeholder()
    }

    /// Boots, runs the plan, classifies the outcome. Throws only when kgate
    /// itself cannot proceed (missing QEMU, unwritable cache); every way the
    /// guest can fail is a `BootOutcome` classification.
    public static func boot(_ request: BootRequest, paths: CachePaths, console: Console = .shared) throws -> BootOutcome {
        throw placeholder()
    }
}

private func placeholder() -> KGateError { KGateError.infrastructure("VirtualMachine is not implemented yet") }
