/// Draws a record list: column titles, the page of rows with the selection, and the position.
enum ListView {
    static func draw<Row>(_ list: FilteredList<Row>, columns: [RecordColumn<Row>], layout: TableLayout, origin: Int,
                          marks: [String: String] = [:], nothing: String, extra: [String] = [], frame: ScreenFrame,
                          on surface: any Surface, style rowStyle: (Row) -> Style = { _ in .normal }) {
        let cellStyle = CellStyle(now: frame.now, unicode: surface.unicode)
        let table = Table(columns, totalWidth: surface.columns, style: cellStyle, layout: layout, rows: Array(list.page))
        surface.put(Cell.fit(table.titles(marks: marks), surface.columns), row: origin - 1, column: 0, style: .title)
        if list.visible.isEmpty {
            Chrome.emptyList(list, nothing: nothing, row: origin, frame: frame, on: surface)
            return
        }
        for (offset, row) in list.page.enumerated() {
            let selected = list.top + offset == list.selectedIndex
            surface.put(Cell.fit(table.line(row), surface.columns), row: origin + offset, column: 0, style: selected ? .selected : rowStyle(row))
        }
        if list.loading { surface.put(frame.spinner(unicode: surface.unicode), row: origin - 1, column: surface.columns - 1, style: .accent) }
        Chrome.position(list, extra: extra + (layout.wide ? ["wide"] : []), on: surface)
    }
}
