package datadiff

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Write renders the report for a terminal: the row counts, the schema
// changes, an aligned table of the columns (column, type, method,
// statistic, p-value, threshold, drift) and the share that drifted. A
// column that could not be tested shows its error in place of numbers.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "reference: %d rows; current: %d rows\n", r.RefRows, r.CurRows)
	if len(r.Added) > 0 {
		fmt.Fprintf(&b, "added columns: %s\n", strings.Join(r.Added, ", "))
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(&b, "removed columns: %s\n", strings.Join(r.Removed, ", "))
	}
	for _, tc := range r.TypeChanged {
		fmt.Fprintf(&b, "type changed: %s %s -> %s\n", tc.Column, tc.From, tc.To)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if len(r.Columns) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "COLUMN\tTYPE\tMETHOD\tSTATISTIC\tP-VALUE\tTHRESHOLD\tDRIFT")
		for _, c := range r.Columns {
			if c.Error != "" {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\terror: %s\n", c.Column, c.Type, orDash(string(c.Method)), c.Error)
				continue
			}
			p := "-"
			if c.PValue != nil {
				p = formatNumber(*c.PValue)
			}
			verdict := "no"
			if c.Drift {
				verdict = "DRIFT"
			}
			if len(c.Unseen) > 0 {
				verdict += fmt.Sprintf(" (%d unseen: %s)", len(c.Unseen), unseenList(c.Unseen))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Column, c.Type, c.Method,
				formatNumber(c.Statistic), p, formatNumber(c.Threshold), verdict)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d tested columns drifted (%.0f%%)\n", r.Drifted, r.Tested, 100*r.DriftedShare)
	return err
}

// Text returns Write's rendering as a string.
func (r *Report) Text() string {
	var b strings.Builder
	_ = r.Write(&b) // a strings.Builder does not fail
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatNumber prints four significant digits, enough to read a statistic.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }

// unseenList shows the first few unseen categories.
func unseenList(u []string) string {
	const show = 3
	q := make([]string, 0, show)
	for _, s := range u[:min(len(u), show)] {
		q = append(q, strconv.Quote(s))
	}
	if len(u) > show {
		q = append(q, "...")
	}
	return strings.Join(q, ", ")
}
