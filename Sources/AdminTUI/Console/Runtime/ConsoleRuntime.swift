import AdminCore
import ConnectCore
import CNcurses
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// The console's loop: every ncurses call happens here, on this one thread. Store requests
/// run as detached tasks and hand their results back through a locked queue, so a slow or
/// failing store can never freeze the screen.
final class ConsoleRuntime {
    let location: StoreLocation
    let mouse: Bool
    private let dataSource: ConsoleDataSource
    private let shared: Shared

    /// What the loop shares with store tasks and signal handlers.
    final class Shared: Sendable {
        let answers = NIOLockedValueBox([DataAnswer]())
        let interrupted = Atomic<Bool>(false)
        /// Set by the store's watch when failures may have been written.
        let failuresChanged = Atomic<Bool>(false)
    }

    init(location: StoreLocation, keyRing: SecretKeyRing = .none, mouse: Bool = true) {
        self.location = location
        self.mouse = mouse
        let shared = Shared()
        self.shared = shared
        self.dataSource = ConsoleDataSource(location: location, keyRing: keyRing) {
            shared.failuresChanged.store(true, ordering: .relaxed)
        }
    }

    /// How often the loop ticks (the live tail's fallback poll: the store's watch wakes the
    /// tail sooner).
    static let tickInterval: Duration = .milliseconds(250)

    func run() {
        let surface = CursesSurface(mouse: mouse)
        ConsoleRuntime.restoreTerminalOnCrash()
        atexit { endwin() }
        watchInterrupts()
        var core = ConsoleCore()
        var scheduler = RequestScheduler()
        core.header.store = location.description
        core.status = surface.terminalNote
        core.resize(rows: surface.rows, columns: surface.columns)
        dispatch(core.start(), &scheduler)
        var lastTick = ContinuousClock.now
        var drawnSecond = 0
        var dirty = true
        while !core.quit && !shared.interrupted.load(ordering: .relaxed) {
            let arrived = shared.answers.withLockedValue { queue -> [DataAnswer] in
                defer { queue.removeAll() }
                return queue
            }
            for answer in arrived {
                if let next = scheduler.finished(answer.slot) { start(next) }
                dispatch(core.receive(answer), &scheduler)
                // An empty tail poll (four a second when nothing happens) changes nothing on screen.
                if case .tail(let rows) = answer.answer, rows.isEmpty, core.storeProblem == nil { continue }
                dirty = true
            }
            if shared.failuresChanged.exchange(false, ordering: .relaxed) {
                dispatch(core.failuresMayHaveChanged(), &scheduler)
            }
            if ContinuousClock.now - lastTick >= Self.tickInterval {
                lastTick = .now
                let now = Date()
                dispatch(core.tick(now: now), &scheduler)
                // Redraw for the clock once a second, and for the spinner while something loads.
                let second = Int(now.timeIntervalSince1970)
                if second != drawnSecond || core.loading { dirty = true }
                drawnSecond = second
            }
            if dirty {
                ConsoleRenderer.draw(core, on: surface)
                surface.refresh()
                dirty = false
            }
            guard let key = surface.readKey() else { continue }
            if key == .resize { core.resize(rows: surface.rows, columns: surface.columns) }
            core.now = Date()
            dispatch(core.handle(key), &scheduler)
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

    private func dispatch(_ requests: [DataRequest], _ scheduler: inout RequestScheduler) {
        for request in requests {
            if let ready = scheduler.submit(request) { start(ready) }
        }
    }

    /// Runs a request off the loop; its answer comes back through the shared queue.
    private func start(_ request: DataRequest) {
        let source = dataSource
        let shared = shared
        let now = Date()
        Task.detached {
            let answer = await source.perform(request.query, now: now)
            shared.answers.withLockedValue { $0.append(DataAnswer(slot: request.slot, generation: request.generation, answer: answer)) }
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
