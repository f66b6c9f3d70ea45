// The scenario runner for Linux (scripts/swift-check.sh), where XCTest is not used: one line
// per scenario, then `N passed, N failed`; exit status 1 if any failed.

import CarnetScenarios
import Foundation

guard let config = ScenarioConfig.fromEnvironment() else {
    print("set CARNET_QR, CARNET_MDM_QR, CARNET_ADVISOR, CARNET_PIN, CARNET_CARD, CARNET_DEVICE_DIR (see scripts/swift-check.sh)")
    exit(2)
}
let outcome = await ScenarioRunner.run(config)
exit(outcome.failed == 0 ? 0 : 1)
