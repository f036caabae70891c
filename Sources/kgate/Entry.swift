import KGateCommands
import KGateCore

@main
enum Entry {
    static func main() {
        // Every verb: children are stopped and temporaries removed on SIGINT/SIGTERM/SIGHUP.
        Supervisor.install()
        KGate.runAsMain()
    }
}
