// Package profile computes the schema and summary statistics of a table in
// one streaming pass with bounded memory: what `lathe data profile` shows,
// and what validation and drift compare against. The numbers follow pandas
// (describe, quantile, nunique, value_counts) and numpy (histogram), and
// are tested against values computed by pandas 1.5 / numpy 1.24
// (testdata/profile/gen_vectors.py) to 1e-9 relative.
//
// # Nulls and types
//
// A field is null when the reader says so (empty CSV field, JSON null,
// Parquet null), when its text is one of pandas' default NA strings
// (table.IsNAString), or when it parses as a NaN. A column's type is the
// declared one where the file has types (Parquet), else the widening
// (table.Widen) of table.Infer over its non-null values. When that
// widening falls back to string because kinds disagree (an int column with
// a few words), the column is profiled as a string and a warning names the
// column, how many values were outside the largest kind, and the first of
// them by file:line; profiling never fails on dirty data.
//
// A string column is reported as categorical when its distinct count is
// exact and either at most 50 with values repeated on average (distinct at
// most half the non-null count, so that ten unique names stay strings) or
// at most 5% of the non-null count.
//
// # Numeric statistics
//
// min, max, mean and std (n-1, Welford's update) are over the numeric
// values. ±Inf count as values, as in pandas: min/max may be infinite, the
// mean is ±Inf (NaN when both signs occur) and std NaN; quantiles next to
// an infinity are what numpy gives, NaN where it interpolates with one
// (even at weight 0: p50 of [1, 2.5, inf] is NaN). JSON writes NaN as null
// and infinities as the strings "inf" and "-inf" (see Num).
//
// The quantiles p1, p5, p25, p50, p75, p95 and p99 use numpy's default
// linear interpolation. They are exact while all numeric values of the
// table fit Options.MemoryBudget at 8 bytes each. The values are kept in
// fixed 1 MiB chunks mapped outside the Go heap (so the garbage
// collector's headroom does not double them), and the order statistics
// are found by a radix select over the chunks (a few sequential passes
// that count 16 key bits at a time): no sorted copy, no moved values.
// Once the budget is crossed every column's values move into a DDSketch
// (github.com/DataDog/sketches-go, relative accuracy 0.5%) and are freed,
// and Result.Exact is false. A sketched quantile q is then within 0.5%
// (relative) of an order statistic of rank within one of q(n-1): for
// positive values, between x[floor(q(n-1))]*(1-0.005) and
// x[ceil(q(n-1))]*(1+0.005), and clamped to the exact [min, max].
//
// A numeric column whose distinct values are still counted exactly (see
// below) gets exact quantiles and histogram from its value -> count table
// instead, whatever the budget: a large file's low-cardinality columns
// stay exact.
//
// The histogram has Options.HistogramBins equal-width bins over the finite
// values' [min, max], numpy.histogram's layout (last bin closed, an empty
// range widened by ±0.5); infinities are left out (numpy refuses them).
// From a sketch, each bucket's count goes to the bin holding its
// representative value, so totals are exact and a value within 0.5% of a
// bin edge may land in the neighbouring bin.
//
// # Distinct values and top values
//
// Distinct counts are exact up to Options.DistinctExact distinct values
// per column and estimated past it by HyperLogLog++ (precision 16, about
// 0.4% standard error), with distinct_exact false. They count as pandas'
// nunique on the typed column: numbers by value (1 and 1.0 in a float
// column are one value, -0 is 0), bools by value ("True" and "true" are
// one), other values by text. In a column that fell back to string,
// numbers are still counted by value.
//
// Top values (string, categorical and bool columns) are exact while the
// distinct count is. Past it a space-saving summary of
// max(1000, 100*TopK) counters takes over, seeded with the most frequent
// values so far: every reported count is at least the true count and
// exceeds it by at most Column.TopError, which is at most n/counters.
//
// Timestamps report min and max as text (ISO 8601 orders as text) and
// their distinct count; no mean or quantiles.
//
// # Cost
//
// The caller's goroutine reads and copies rows into batches (one byte
// buffer per batch, no allocation per field); each of GOMAXPROCS workers
// owns a fixed group of columns and walks every batch. Parsing is done
// once per field for numbers and once per distinct text otherwise (the
// count table remembers each text's kind). Memory is the budget, a few
// MiB of batches, and per column at most DistinctExact table entries and
// a sketch; rows are never kept.
package profile
