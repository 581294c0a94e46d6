/// At most one store request per slot runs at a time; while one runs, only the newest next
/// request waits (older waiting ones are dropped: their answers would be stale anyway). A slow
/// store then sees one query per slot, never a pile-up, and typing a filter fast costs at most
/// two queries.
struct RequestScheduler: Sendable {
    private var running: Set<Slot> = []
    private var waiting: [Slot: DataRequest] = [:]

    /// The request to start now, or `nil` when it waits for its slot.
    mutating func submit(_ request: DataRequest) -> DataRequest? {
        if running.contains(request.slot) {
            waiting[request.slot] = request
            return nil
        }
        running.insert(request.slot)
        return request
    }

    /// Called when a slot's request has answered: the waiting request to start next, if any.
    mutating func finished(_ slot: Slot) -> DataRequest? {
        if let next = waiting.removeValue(forKey: slot) { return next }
        running.remove(slot)
        return nil
    }
}
