/// A scrollable list with a filter and a selection that belong together. The selection is a
/// row *id*: whatever the filter, a refresh or a new row at the top does, the highlighted row is
/// the one every key acts on, and a row that vanished hands the selection to its neighbour.
struct FilteredList<Row: Identifiable & Sendable>: Sendable where Row.ID: Sendable {
    /// Every loaded row, in the order the store gave them.
    private(set) var rows: [Row] = []
    /// The rows the filter lets through, as drawn.
    private(set) var visible: [Row] = []
    private(set) var filter = ""
    private(set) var selectedID: Row.ID?
    private(set) var selectedIndex = 0
    /// The first visible row on screen.
    private(set) var top = 0
    private(set) var height = 1
    /// What the filter matches for each row: the text the row shows, lower-cased.
    private let searchText: (@Sendable (Row) -> String)?
    private var haystacks: [String] = []

    /// Set while the first answer is awaited; an empty list then says "loading", not "none".
    var loading = false
    var error: String?
    /// Why the list is empty by nature (the store keeps no such rows): shown in its place.
    var notice: String?
    /// Whether any answer arrived yet.
    private(set) var loaded = false

    /// `searchText`: the row's displayed text; `nil` when the store does the filtering.
    init(searchText: (@Sendable (Row) -> String)? = nil) {
        self.searchText = searchText
    }

    var selected: Row? { visible.indices.contains(selectedIndex) ? visible[selectedIndex] : nil }

    /// Rows on screen, with their index in `visible`.
    var page: ArraySlice<Row> { visible.dropFirst(top).prefix(height) }

    mutating func replace(_ newRows: [Row]) {
        rows = newRows
        haystacks = searchText.map { text in newRows.map { text($0).lowercased() } } ?? []
        loaded = true
        loading = false
        error = nil
        refilter()
    }

    mutating func setFilter(_ text: String) {
        filter = text
        refilter()
    }

    mutating func resize(height: Int) {
        self.height = max(1, height)
        scrollToSelection()
    }

    mutating func move(_ delta: Int) {
        select(at: selectedIndex + delta)
    }

    mutating func select(at index: Int) {
        guard !visible.isEmpty else { selectedID = nil; selectedIndex = 0; top = 0; return }
        selectedIndex = min(max(0, index), visible.count - 1)
        selectedID = visible[selectedIndex].id
        scrollToSelection()
    }

    /// Re-applies the filter, keeping the selected id, or the position it had when it is gone.
    private mutating func refilter() {
        let screenOffset = selectedIndex - top
        let needle = filter.lowercased()
        if needle.isEmpty || searchText == nil {
            visible = rows
        } else {
            visible = zip(rows, haystacks).filter { $0.1.contains(needle) }.map(\.0)
        }
        if let id = selectedID, let index = visible.firstIndex(where: { $0.id == id }) {
            selectedIndex = index
            // The selected row stays where it was on screen when rows are added above it.
            top = index - screenOffset
        }
        select(at: selectedIndex)
    }

    private mutating func scrollToSelection() {
        if selectedIndex < top { top = selectedIndex }
        if selectedIndex >= top + height { top = selectedIndex - height + 1 }
        top = max(0, min(top, max(0, visible.count - height)))
    }
}
