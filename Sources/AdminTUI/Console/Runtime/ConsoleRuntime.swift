import AdminCore
import CNcurses
import Dispatch
import Foundation
import Synchronization

/// The console's loop: every ncurses call happens here, on this one thread. Store requests
/// run as detached tasks and hand their results back through a locked queue, so a slow or
/// failing store can never freeze the screen.
final class ConsoleRuntime {
    let location: StoreLocation
    private let dataSource: ConsoleDataSource
    private let shared = Shared()

    /// What the loop shares with store tasks and signal handlers.
    final class Shared: Sendable {
        let events = Mutex([DataEvent]())
        let inFlight = Mutex(Set<String>())
        let interrupted = Atomic<Bool>(false)
    }

    init(location: StoreLocation) {
        self.location = location
        self.dataSource = ConsoleDataSource(location: location)
    }

    func run() {
        let surface = CursesSurface()
        ConsoleRuntime.restoreTerminalOnCrash()
        atexit { endwin() }
        watchInterrupts()
        var core = ConsoleCore()
        core.state.header.store = location.description
        core.resize(rows: surface.rows, columns: surface.columns)
        dispatch(core.start(), now: Date())
        var lastTick = ContinuousClock.now
        var dirty = true
        while !core.quit && !shared.interrupted.load(ordering: .relaxed) {
            let arrived = shared.events.withLock { queue -> [DataEvent] in
                defer { queue.removeAll() }
                return queue
            }
            for event in arrived { core.apply(event) }
            if !arrived.isEmpty { dirty = true }
            if ContinuousClock.now - lastTick >= .milliseconds(200) {
                lastTick = .now
                dispatch(core.tick(now: Date()), now: Date())
                dirty = true
            }
            if dirty {
                ConsoleRenderer.draw(core, on: surface)
                surface.refresh()
                dirty = false
            }
            guard let key = surface.readKey() else { continue }
            if key == .resize { core.resize(rows: surface.rows, columns: surface.columns) }
            dispatch(core.handle(key), now: Date())
            if let value = core.clipboard {
                copyToClipboard(value)
                core.clipboard = nil
            }
            dirty = true
        }
        surface.end()
        let source = dataSource
        let done = DispatchSemaphore(value: 0)
        Task.detached { await source.close(); done.signal() }
        _ = done.wait(timeout: .now() + 2)
    }

    /// Starts each request unless the same kind is still running (a slow store gets one
    /// query at a time per kind, not a pile-up).
    private func dispatch(_ requests: [DataRequest], now: Date) {
        for request in requests {
            let kind = Self.kind(request)
            let started = shared.inFlight.withLock { $0.insert(kind).inserted }
            guard started else { continue }
            let source = dataSource
            let shared = shared
            Task.detached {
                let event = await source.perform(request, now: now)
                shared.events.withLock { $0.append(event) }
                _ = shared.inFlight.withLock { $0.remove(kind) }
            }
        }
    }

    static func kind(_ request: DataRequest) -> String {
        switch request {
        case .header: return "header"
        case .tenants(_, let append, let generation): return append ? "tenants-more" : "tenants-\(generation)"
        case .tenantDetail: return "detail-\(UUID())"
        case .history: return "history"
        case .failures: return "failures-\(UUID())"
        case .tail: return "tail"
        case .labVerify, .labSign: return "lab"
        }
    }

    /// OSC 52: the terminal (local or at the end of an SSH session) puts `value` on its clipboard.
    private func copyToClipboard(_ value: String) {
        FileHandle.standardOutput.write(Data(Self.osc52(value).utf8))
    }

    /// The OSC 52 sequence that sets the clipboard to `value` (base64, so no byte of the
    /// value can act as a terminal control).
    static func osc52(_ value: String) -> String {
        "\u{1b}]52;c;\(Data(value.utf8).base64EncodedString())\u{07}"
    }

    private func watchInterrupts() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let shared = shared
            source.setEventHandler { shared.interrupted.store(true, ordering: .relaxed) }
            source.resume()
            SignalSources.keep(source)
        }
    }

    /// A crash must not leave the terminal in curses mode.
    static func restoreTerminalOnCrash() {
        for number in [SIGSEGV, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGTRAP] {
            signal(number) { received in
                endwin()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
