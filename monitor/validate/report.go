package validate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of Validate.
type Report struct {
	// Passed is true when no rule failed.
	Passed bool `json:"passed"`
	// Rows is the number of rows read.
	Rows int64 `json:"rows"`
	// Failures lists each broken rule once; empty (not null in JSON) when
	// the table passed.
	Failures []Failure `json:"failures"`
}

// Failure is one broken rule.
type Failure struct {
	// Rule is the rule's key in the rules file: "dataset.min_rows",
	// "columns.amount.min", or "columns.amount" for a column that has
	// rules but is missing from the file.
	Rule string `json:"rule"`
	// Column is the column concerned, empty for row-count rules.
	Column string `json:"column,omitempty"`
	// Message says what is wrong, for people: "42 values below min 0".
	Message string `json:"message"`
	// Count is how many values broke the rule (1 for a table-level rule).
	Count int64 `json:"count"`
	// Examples are the first offending values, with where they are.
	Examples []Example `json:"examples,omitempty"`
}

// Example is one offending value.
type Example struct {
	// File is the file of the row, when the reader knows it.
	File string `json:"file,omitempty"`
	// Line is the row's line in the file (the row number for Parquet).
	Line int64 `json:"line"`
	// Value is the field's text.
	Value string `json:"value"`
}

// Write renders the report for a terminal: a verdict line, then one line
// per failure (rule, column, message) followed by its examples.
func (r *Report) Write(w io.Writer) error {
	verdict := "PASS"
	if !r.Passed {
		verdict = "FAIL"
	}
	noun := "failures"
	if len(r.Failures) == 1 {
		noun = "failure"
	}
	if _, err := fmt.Fprintf(w, "%s  %d rows, %d %s\n", verdict, r.Rows, len(r.Failures), noun); err != nil {
		return err
	}
	if len(r.Failures) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range r.Failures {
		col := f.Column
		if col == "" {
			col = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Rule, col, f.Message)
		for _, e := range f.Examples {
			where := fmt.Sprintf("line %d", e.Line)
			if e.File != "" {
				where = fmt.Sprintf("%s:%d", e.File, e.Line)
			}
			fmt.Fprintf(tw, "    %s\t\t%q\n", where, e.Value)
		}
	}
	return tw.Flush()
}

// Text returns Write's rendering as a string.
func (r *Report) Text() string {
	var b strings.Builder
	_ = r.Write(&b) // a strings.Builder does not fail
	return b.String()
}
