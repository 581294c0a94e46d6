import Foundation
import ConnectCore

/// A record that identical ones can be folded into: a count and the time of the newest.
public protocol Foldable: Sendable {
    var count: Int { get set }
    var at: Date { get set }
}

extension AuthFailure: Foldable {}
extension InstallEvent: Foldable {}

/// Decides which refusals get a row of their own and which are folded into a count.
///
/// The first record of a kind (its fold key) in a window is written at once, so a live tail
/// shows a new problem immediately; identical ones that follow within `window` are only
/// counted, and written as one row carrying that count when the window closes. The store
/// therefore grows with the number of distinct problems, not with the number of requests,
/// and every request is still accounted for: the counts add up to what was received.
/// Beyond `maxKeys` kinds open at once (an attacker varying what he sends), records fold
/// under a coarser key the caller supplies (e.g. the reason alone).
public struct FoldingWindow<Record: Foldable>: Sendable {
    public let window: TimeInterval
    public let maxKeys: Int

    private struct Entry: Sendable {
        var opened: Date
        /// What was folded since the first record of the window, as one record with a count.
        var pending: Record?
    }

    private var open: [BytewiseKey: Entry] = [:]
    /// Aggregates of windows closed by a newer record, waiting for `takeDue`.
    private var closed: [Record] = []

    public init(window: TimeInterval = 10, maxKeys: Int = 200) {
        self.window = window
        self.maxKeys = maxKeys
    }

    /// Takes `record` in. Returns it when it opens a window (write it now), `nil` when it was
    /// folded. With `mustFold` (the writer is backed up) it is folded even when first.
    public mutating func admit(_ record: Record, key: BytewiseKey, coarse: (Record) -> (BytewiseKey, Record),
                               mustFold: Bool = false) -> Record? {
        var key = key
        var record = record
        if open[key] == nil && open.count >= maxKeys {
            (key, record) = coarse(record)
        }
        if var entry = open[key] {
            if (window > 0 && record.at.timeIntervalSince(entry.opened) < window) || mustFold {
                if var pending = entry.pending {
                    pending.count += record.count
                    pending.at = max(pending.at, record.at)
                    entry.pending = pending
                } else {
                    entry.pending = record
                }
                open[key] = entry
                return nil
            }
            if let pending = entry.pending { closed.append(pending) }
        }
        if mustFold {
            open[key] = Entry(opened: record.at, pending: record)
            return nil
        }
        open[key] = Entry(opened: record.at, pending: nil)
        return record
    }

    /// The aggregates of every window that has closed by `now`.
    public mutating func takeDue(now: Date) -> [Record] {
        var due = closed
        closed = []
        for (key, entry) in open where now.timeIntervalSince(entry.opened) >= window {
            if let pending = entry.pending { due.append(pending) }
            open[key] = nil
        }
        return due
    }

    /// Every aggregate, closing all windows (shutdown, tests).
    public mutating func takeAll() -> [Record] {
        let all = closed + open.values.compactMap(\.pending)
        closed = []
        open = [:]
        return all
    }

    /// Aggregate rows not yet handed out.
    public var pendingRows: Int { closed.count + open.values.filter { $0.pending != nil }.count }
}
