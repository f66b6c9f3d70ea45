// The same scenarios as an XCTest case, for `scripts/ios-test.sh` on the iOS simulator (which
// starts the sync server on the Mac and passes its address through TEST_RUNNER_ variables).

import CarnetScenarios
import XCTest

final class CarnetModelTests: XCTestCase {
    @MainActor
    func testAdvisorDay() async throws {
        guard let config = ScenarioConfig.fromEnvironment() else {
            throw XCTSkip("no sync server configured: run scripts/ios-test.sh")
        }
        let outcome = await ScenarioRunner.run(config)
        XCTAssertEqual(outcome.failed, 0, outcome.failures.joined(separator: "\n"))
    }
}
