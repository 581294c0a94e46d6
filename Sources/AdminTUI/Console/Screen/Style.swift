/// How a cell is drawn, in terms the views care about; each surface maps it to what the
/// terminal can do (colours, or reverse/bold only under `NO_COLOR` or on monochrome terminals).
enum Style: Int, Sendable, CaseIterable {
    case normal
    case header
    case title
    case selected
    case dim
    case warning
    case error
    case ok
    case accent
    case functionKey
}
