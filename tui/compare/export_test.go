package compare

import "github.com/lathe-ml/lathe/tui/chart"

// Chart is the chart shown now (tests).
func (m *Model) Chart() *chart.Chart { return m.chart() }
