@testable import AdminTUI
import Testing

/// One request per slot at a time; only the newest waits.
@Suite struct RequestSchedulerTests {
    static func request(_ slot: Slot, _ generation: Int) -> DataRequest {
        DataRequest(slot: slot, generation: generation, query: .header)
    }

    @Test func oneRunsPerSlotAndOnlyTheNewestWaits() {
        var scheduler = RequestScheduler()
        #expect(scheduler.submit(Self.request(.tenants, 1))?.generation == 1)
        #expect(scheduler.submit(Self.request(.tenants, 2)) == nil)
        #expect(scheduler.submit(Self.request(.tenants, 3)) == nil)
        // Another slot is not held up.
        #expect(scheduler.submit(Self.request(.history, 1)) != nil)
        #expect(scheduler.finished(.tenants)?.generation == 3, "generation 2 was dropped")
        #expect(scheduler.finished(.tenants) == nil)
        #expect(scheduler.submit(Self.request(.tenants, 4))?.generation == 4)
    }
}
