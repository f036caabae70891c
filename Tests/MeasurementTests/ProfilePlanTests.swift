import Foundation
import Testing
import TestSupport
import Workloads
@testable import Measurement

/// The profile boot's plan (`ProfileRunner`): the workload's own plan with the
/// measured tool under the sampler. It relies on the plan running each trial's tool
/// as `kgate_run NAME timeout …`; a plan that stops doing so fails here, not in a boot.
@Suite(.tags(.unit)) struct ProfilePlanTests {
    @Test func everyBuiltinRunsItsToolThroughTimeout() throws {
        for spec in try WorkloadLoader.builtins() {
            let script = PlanGenerator.script([PlannedRun(spec: spec, trials: 1)])
            let tool = spec.tool == .sockperfPingPong ? "sockperf" : "iperf3"
            #expect(script.contains("kgate_run \"$kg_p.\(tool)\" timeout "), "\(spec.name)")
        }
    }

    @Test func theProfilePlanCarriesTheSamplerAndSendsTheProfileBlob() throws {
        let prelude = ProfileRunner.prelude(period: ProfileRunner.periodNanoseconds)
        #expect(prelude.contains("/kgate/kgate-prof 100000 \"$KG_DIR/profile\" /bin/busybox timeout \"$@\""))
        #expect(prelude.contains("kgate_put \"$kg_p.profile\""))
        let spec = try WorkloadLoader.load("tcp-stream-10ms")
        let archive = try ProfileRunner.planArchive(spec)
        // The same source and compiler give the same bytes: the same memo key each time.
        #expect(try ProfileRunner.planArchive(spec) == archive)
        #expect(archive != (try WorkloadRunner.planArchive([PlannedRun(spec: spec, trials: 1)])))
    }
}
