@testable import AdminTUI
import Testing

/// Filter, selection and scrolling live together; the selection is an id.
@Suite struct FilteredListTests {
    struct Row: Identifiable, Sendable, Equatable {
        var id: Int
        var text: String
    }

    static func list(_ rows: [Row], height: Int = 5) -> FilteredList<Row> {
        var list = FilteredList<Row>(searchText: { $0.text })
        list.resize(height: height)
        list.replace(rows)
        return list
    }

    static let rows = (0..<20).map { Row(id: $0, text: $0 % 2 == 0 ? "even \($0)" : "odd \($0)") }

    @Test func theSelectionIsTheSameRowThroughAFilter() {
        var list = Self.list(Self.rows)
        list.select(at: 4)
        #expect(list.selected?.id == 4)
        list.setFilter("EVEN")
        #expect(list.visible.count == 10)
        #expect(list.selected?.id == 4 && list.selectedIndex == 2)
        list.move(1)
        #expect(list.selected?.id == 6)
        list.setFilter("")
        #expect(list.selected?.id == 6 && list.selectedIndex == 6)
    }

    @Test func aRowFilteredOutHandsTheSelectionToItsNeighbour() {
        var list = Self.list(Self.rows)
        list.select(at: 5)
        list.setFilter("even")
        #expect(list.selected != nil)
        #expect(list.visible.contains { $0.id == list.selected?.id })
        list.setFilter("nothing matches this")
        #expect(list.selected == nil && list.visible.isEmpty)
        list.setFilter("")
        #expect(list.selected != nil)
    }

    @Test func newRowsAboveKeepTheSelectedRowInPlaceOnScreen() {
        var list = Self.list(Self.rows)
        list.select(at: 3)
        let onScreen = list.selectedIndex - list.top
        list.replace([Row(id: 100, text: "new"), Row(id: 101, text: "new")] + Self.rows)
        #expect(list.selected?.id == 3 && list.selectedIndex == 5)
        #expect(list.selectedIndex - list.top == onScreen)
    }

    @Test func movementStaysInBoundsAndScrolls() {
        var list = Self.list(Self.rows)
        list.move(-3)
        #expect(list.selectedIndex == 0)
        list.move(100)
        #expect(list.selectedIndex == 19 && list.top == 15)
        #expect(list.page.map(\.id) == [15, 16, 17, 18, 19])
        list.resize(height: 10)
        #expect(list.top == 10)
        let home = list.handleMovement(.home)
        #expect(home && list.selectedIndex == 0)
        let pageDown = list.handleMovement(.pageDown)
        #expect(pageDown && list.selectedIndex == 9)
        let other = list.handleMovement(.open)
        #expect(!other)
    }

    @Test func clicksSelectTheRowUnderThePointer() {
        var list = Self.list(Self.rows)
        list.move(7)
        let hit = list.click(row: 10, origin: 8)
        #expect(hit && list.selected?.id == list.top + 2)
        let above = list.click(row: 7, origin: 8)
        #expect(!above, "above the list")
        let below = list.click(row: 13, origin: 8)
        #expect(!below, "below the page")
    }

    @Test func withoutSearchTextTheStoreFiltersAndTheListShowsAll() {
        var list = FilteredList<Row>()
        list.replace(Self.rows)
        list.setFilter("even")
        #expect(list.visible.count == 20)
    }
}
