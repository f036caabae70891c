import ArgumentParser
import Foundation
import GuestImage
import KGateCore
import VirtualMachine

/// `kgate boot`: boots a kernel in QEMU with the guest image and runs one
/// command in the guest. Exit status: the guest command's, or 4 when the boot
/// itself failed (panic, oops, timeout, QEMU failure: printed with an excerpt).
struct Boot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot", abstract: "Boot a kernel in QEMU and run a command in the guest.",
        discussion: """
        Prints the command's stdout and stderr and exits with its status. A boot that does not \
        end ok (panic, oops, boot or run timeout, QEMU failed or crashed) prints the \
        classification and a console excerpt and exits 4 (infrastructure).

        --shell gives an interactive shell on the guest console instead (Ctrl-A x quits QEMU).
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The kernel to boot (arch/x86/boot/bzImage).", valueName: "bzImage"))
    var kernel: String

    @OptionGroup var measurement: ModeOption

    @Option(name: .customLong("append"), help: ArgumentHelp("An extra kernel command-line word (repeatable).", valueName: "arg"))
    var append: [String] = []

    @Option(help: "Run deadline in seconds (boot plus command): of wall, or of QEMU's CPU in deterministic mode.")
    var timeout: Double = 300

    @Option(help: "Boot deadline in seconds (until the guest init is reached), counted as --timeout.")
    var bootTimeout: Double = 120

    @Option(help: "Guest memory in MiB.")
    var memory: Int = 1024

    @Option(help: ArgumentHelp(
        "The boot's seed: in deterministic mode it fixes the guest clock and so every random draw (default 0).",
        valueName: "N"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Image recipe (default: vm-images/guest.recipe).", valueName: "file"))
    var recipe: String?

    @Flag(help: "An interactive shell on the guest console.")
    var shell = false

    @Flag(help: "Re-run the KVM probe with this kernel (ignoring the cached answer) and print it.")
    var probeKvm = false

    @Argument(parsing: .postTerminator, help: "The command to run in the guest (after --).")
    var command: [String] = []

    func run() throws {
        try reportingErrors(global, verb: "boot") {
            let mode = measurement.or(.auto)
            guard timeout > 0, bootTimeout > 0, (64...65536).contains(memory) else {
                throw KGateError.usage("timeouts must be positive and --memory between 64 and 65536 MiB")
            }
            let paths = global.paths
            let kernelURL = URL(fileURLWithPath: kernel)
            let recipeURL = try recipe.map { URL(fileURLWithPath: $0) } ?? GuestImages.defaultRecipe()
            let image = try GuestImages.build(recipe: recipeURL, paths: paths)
            if probeKvm {
                let r = try KVMProbe.probe(kernel: kernelURL, image: image.url, paths: paths)
                emit(String(format: "kvm-probe: usable=%@ seconds=%.3f level=%@ reason=%@",
                            r.usable ? "true" : "false", r.seconds, r.level, r.reason))
                return 0
            }
            if shell {
                return try VirtualMachines.shell(kernel: kernelURL, image: image.url, mode: mode, memoryMiB: memory,
                                                 append: append, paths: paths)
            }
            guard !command.isEmpty else {
                throw KGateError.usage("no guest command given", fix: "kgate boot --kernel K -- uname -r (or --shell)")
            }
            let plan = try GuestPlan.archive(GuestPlan.run(command, as: "cmd"))
            let request = BootRequest(kernel: kernelURL, image: image.url, plan: plan, mode: mode, memoryMiB: memory,
                                      appendCommandLine: append, bootTimeout: bootTimeout, runTimeout: timeout, label: "boot",
                                      seed: seed)
            let outcome = try VirtualMachines.boot(request, paths: paths)
            if let out = outcome.blob("cmd.out") { FileHandle.standardOutput.write(out.data) }
            if let err = outcome.blob("cmd.err") { FileHandle.standardError.write(err.data) }
            let console = Console.shared
            console.line(String(format: "boot: %@ [%@] init reached after %@ wall (guest uptime %@), %.2f s in all; console %@",
                                outcome.classification.rawValue, outcome.mode.rawValue,
                                outcome.wallSecondsToInit.map { String(format: "%.2f s", $0) } ?? "-",
                                outcome.guestSecondsToInit.map { String(format: "%.2f s", $0) } ?? "-",
                                outcome.wallSeconds, outcome.consoleLog.path))
            for warning in outcome.warnings { console.line("boot: kernel WARNING:\n" + warning) }
            guard outcome.classification == .ok, let rc = outcome.planExitCode else {
                console.line("boot: \(outcome.classification.rawValue)\n" + outcome.excerpt)
                return KGateExitCode.infrastructure
            }
            return rc
        }
    }
}
