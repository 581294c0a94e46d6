import AdminCore
import ConnectCore

extension HistoryModel {
    func draw(on surface: any Surface, _ frame: ScreenFrame) {
        ListView.draw(list, columns: EventColumns.columns(for: list.page), layout: layout, origin: Self.listOrigin ?? 3,
                      nothing: "no install events" + (tenant.map { " for \($0)" } ?? ""),
                      extra: tenant.map { ["tenant " + $0] } ?? [], frame: frame, on: surface) { event in
            EventColumns.style(event)
        }
    }
}
