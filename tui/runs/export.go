package runs

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/tui/common"
)

// export writes the table as shown (its rows in order, every chosen column,
// not only those that fit on screen, plus the run id) to a CSV file in the
// export directory. The rows are copied here; the command only writes.
func (m *Model) export() tea.Cmd {
	cols := m.tableColumns()
	header := []string{"run_id"}
	for _, c := range cols {
		header = append(header, c.Key)
	}
	records := [][]string{header}
	for _, r := range m.visible {
		rec := []string{r.ID, r.Name, r.Status, common.FormatTime(r.StartTime, m.c.Loc),
			common.RunDuration(r.StartTime, r.EndTime, m.c.Now())}
		for _, k := range m.cols.chosen {
			rec = append(rec, cellValue(r, k))
		}
		records = append(records, rec)
	}
	dir := m.c.ExportDir
	if dir == "" {
		dir = "."
	}
	path := filepath.Join(dir, "lathe-runs-"+m.c.Now().Format("20060102-150405")+".csv")
	return func() tea.Msg {
		n, err := writeCSV(path, records)
		return exportedMsg{path: path, rows: n, err: err}
	}
}

func writeCSV(path string, records [][]string) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(records); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return len(records) - 1, nil
}
