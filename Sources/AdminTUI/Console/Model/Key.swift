/// A key press (or mouse event, or paste) as the console understands it, whatever sequence the
/// terminal sent for it.
enum Key: Hashable, Sendable {
    case character(Character)
    /// Ctrl with a letter (lower case): `.control("a")` is Ctrl-A.
    case control(Character)
    case up, down, pageUp, pageDown, home, end, left, right
    case enter, escape, tab, backTab, backspace, delete
    /// Text pasted in one piece (bracketed paste): inserted as typed, never run as keys.
    case paste(String)
    case mouse(MouseEvent)
    case resize
    case interrupt
}

/// A click, double-click or wheel turn at a cell.
struct MouseEvent: Hashable, Sendable {
    enum Kind: Hashable, Sendable { case click, doubleClick, wheelUp, wheelDown }
    var kind: Kind
    var row: Int
    var column: Int
}
