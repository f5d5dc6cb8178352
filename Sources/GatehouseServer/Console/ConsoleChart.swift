import Foundation

/// Bar charts drawn by the server as SVG in the page: no script, no image from elsewhere. Each
/// bar carries its value in a `<title>`, which browsers show on hover; the figures are also in a
/// table beside the chart for screen readers and copying.
enum ConsoleChart {
    struct Bar {
        let label: String
        let value: Double
        /// A part of the bar drawn in the alarm colour (errors among requests).
        var alarm: Double = 0
        let caption: String
    }

    static func bars(_ bars: [Bar], title: String, width: Int = 720, height: Int = 160) -> String {
        // The tallest bar fills the chart, whatever the unit (cents of spend, thousands of requests).
        let tallest = bars.map(\.value).max() ?? 0
        let top = tallest > 0 ? tallest : 1
        let slot = Double(width) / Double(max(bars.count, 1))
        let barWidth = max(slot * 0.7, 1)
        var shapes = ""
        for (index, bar) in bars.enumerated() {
            let x = Double(index) * slot + (slot - barWidth) / 2
            let full = bar.value / top * Double(height - 20)
            let alarm = min(bar.alarm, bar.value) / top * Double(height - 20)
            let y = Double(height) - full
            shapes += """
                <g><title>\(HTML.escape(bar.label + ": " + bar.caption))</title>\
                <rect x="\(format(x))" y="\(format(y))" width="\(format(barWidth))" height="\(format(full))" fill="#2f5bd3" rx="2"></rect>\
                \(alarm > 0 ? "<rect x=\"\(format(x))\" y=\"\(format(Double(height) - alarm))\" width=\"\(format(barWidth))\" height=\"\(format(alarm))\" fill=\"#b42318\"></rect>" : "")</g>
                """
        }
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(HTML.escape(title))" preserveAspectRatio="none">\
            <line x1="0" y1="\(height)" x2="\(width)" y2="\(height)" stroke="#d9dee7"></line>\(shapes)</svg>
            """
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
