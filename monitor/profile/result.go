package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/lathe-ml/lathe/monitor/table"
)

// Result is the profile of one table.
type Result struct {
	// Rows counts the records read.
	Rows int64 `json:"rows"`
	// Columns holds one profile per column, in the file's order.
	Columns []Column `json:"columns"`
	// Warnings collects every column's warnings (type fallbacks, all-null
	// columns), prefixed with the column name, so that a caller can show
	// them without walking the columns.
	Warnings []string `json:"warnings,omitempty"`
	// Exact is false when some column's quantiles and histogram came from
	// the DDSketch because the numeric values of the file did not fit
	// Options.MemoryBudget; see the package documentation for the bound.
	Exact bool `json:"exact"`
}

// Column is the profile of one column. Statistics that do not apply to
// the column's type are nil (omitted in JSON).
type Column struct {
	Name string `json:"name"`
	// Type is the declared type (Parquet) or the widening of the inferred
	// types of the non-null values; a string column with few distinct
	// values is reported as categorical (see the package documentation).
	// Empty for a column without any non-null value.
	Type table.Kind `json:"type"`
	// Count is the number of non-null values, Nulls the number of nulls
	// (reader nulls, pandas' NA strings and NaN).
	Count int64 `json:"count"`
	Nulls int64 `json:"nulls"`
	// Distinct counts distinct non-null values as pandas' nunique would on
	// the typed column; an estimate when DistinctExact is false.
	Distinct      int64 `json:"distinct"`
	DistinctExact bool  `json:"distinct_exact"`
	// Min and Max are numbers for numeric columns and text for timestamp
	// columns (compared as text, which orders ISO 8601 times).
	Min *Bound `json:"min,omitempty"`
	Max *Bound `json:"max,omitempty"`
	// Mean and Std (n-1) for numeric columns; Std is nil below two values.
	Mean *Num `json:"mean,omitempty"`
	Std  *Num `json:"std,omitempty"`
	// Quantiles with numpy's default linear interpolation.
	P1  *Num `json:"p1,omitempty"`
	P5  *Num `json:"p5,omitempty"`
	P25 *Num `json:"p25,omitempty"`
	P50 *Num `json:"p50,omitempty"`
	P75 *Num `json:"p75,omitempty"`
	P95 *Num `json:"p95,omitempty"`
	P99 *Num `json:"p99,omitempty"`
	// QuantilesExact is false when the quantiles and histogram came from
	// the sketch. Nil for non-numeric columns.
	QuantilesExact *bool `json:"quantiles_exact,omitempty"`
	// Infinite counts the ±Inf values, which count as values (like pandas)
	// but are left out of the histogram.
	Infinite  int64      `json:"infinite,omitempty"`
	Histogram *Histogram `json:"histogram,omitempty"`
	// Top holds the most frequent values of string, categorical and bool
	// columns, most frequent first (ties by value).
	Top []TopValue `json:"top,omitempty"`
	// TopExact is false when Top came from the space-saving summary: each
	// count may then exceed the true count by at most TopError.
	TopExact *bool `json:"top_exact,omitempty"`
	TopError int64 `json:"top_error,omitempty"`
	// Warnings about this column (also in Result.Warnings).
	Warnings []string `json:"warnings,omitempty"`
}

// Histogram is numpy.histogram's default layout over [min, max] of the
// finite values: len(Counts) equal-width bins, len(Counts)+1 edges, every
// bin half-open except the last.
type Histogram struct {
	Edges  []float64 `json:"edges"`
	Counts []int64   `json:"counts"`
	// Exact is false when the counts were spread from sketch buckets.
	Exact bool `json:"exact"`
}

// TopValue is one frequent value and its count.
type TopValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Num is a float64 that always encodes to JSON: NaN as null and ±Inf as
// the strings "inf" and "-inf" (JSON has no infinities; pandas reports an
// infinite mean, so we keep the sign rather than drop it).
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte("null"), nil
	case math.IsInf(f, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler, accepting what MarshalJSON
// writes.
func (n *Num) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*n = Num(math.NaN())
		return nil
	case `"inf"`:
		*n = Num(math.Inf(1))
		return nil
	case `"-inf"`:
		*n = Num(math.Inf(-1))
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("profile: number %s: %w", b, err)
	}
	*n = Num(f)
	return nil
}

// Bound is a column's min or max: a number, or text for timestamps.
type Bound struct {
	Num  Num
	Text string
	// IsText tells which of the two holds the bound.
	IsText bool
}

// MarshalJSON implements json.Marshaler: a JSON string for text, a number
// (see Num) otherwise.
func (b Bound) MarshalJSON() ([]byte, error) {
	if b.IsText {
		return json.Marshal(b.Text)
	}
	return b.Num.MarshalJSON()
}

// UnmarshalJSON implements json.Unmarshaler. The strings "inf" and "-inf"
// read back as numbers.
func (b *Bound) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' && string(data) != `"inf"` && string(data) != `"-inf"` {
		b.IsText = true
		return json.Unmarshal(data, &b.Text)
	}
	return b.Num.UnmarshalJSON(data)
}

func numPtr(f float64) *Num {
	n := Num(f)
	return &n
}

func boolPtr(b bool) *bool { return &b }
