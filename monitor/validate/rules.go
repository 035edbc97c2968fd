// Package validate checks a table against declared rules in one streaming
// pass, for `lathe data validate` and for the data sections of a project.
//
// Rules are written in TOML:
//
//	[dataset]
//	min_rows = 100                 # fewer rows fail
//	max_rows = 1_000_000           # more rows fail
//	required_columns = ["customer_id", "amount"]
//
//	[columns.amount]
//	type = "float"                 # int|float|bool|string|timestamp|categorical
//	not_null = true                # no null or NA value
//	min = 0                        # numbers below fail
//	max = 10000                    # numbers above fail
//
//	[columns.segment]
//	allowed = ["new", "loyal", "lapsed"]   # exact text; anything else fails
//
//	[columns.customer_id]
//	unique = true                  # no value twice
//	regex = '^C[0-9]+$'            # Go RE2 syntax, unanchored: use ^ and $
//
// Every key is optional. A key the format does not define is refused,
// named, so that a typo ("not_nul") never silently disables a rule.
//
// What each rule means:
//
//   - Null: a field the reader marks null, or whose text is one of pandas'
//     default NA strings (table.IsNAString: "", "NA", "N/A", "NaN", "null",
//     "None", ...). not_null counts them; every other column rule skips them.
//   - type: each value must infer (table.Infer) to the type. An int
//     satisfies float; anything satisfies string and categorical, which
//     therefore only document intent.
//   - min, max: compare values that parse as numbers; a value that does
//     not is left to the type rule.
//   - allowed: the exact text must be one of the list.
//   - unique: no value may occur twice. This is the one rule whose memory
//     grows with the data: it keeps a 64-bit hash (hash/maphash, seeded
//     afresh by each Validate) of every distinct value, 16 to 32 bytes
//     each, and gives up with ErrUniqueLimit past Options.MaxUnique
//     distinct values. A hash collision would report a false duplicate
//     (its example shows the value, so it can be checked); at 10 million
//     distinct values the chance is about 3 in a million.
//   - required_columns, and any column that has rules: a column missing
//     from the file is a failure of the rule, not an error.
//
// In a project file (lathe.toml) the same shape sits under
// [data.<dataset>], e.g. [data.retail.columns.amount]; see ParseProject.
package validate

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/lathe-ml/lathe/monitor/table"
)

// ErrRules reports rules that are not valid: a TOML syntax error, an
// unknown key, a value of the wrong type or out of range. Parse errors wrap
// it, so callers can tell a bad rules file from a bad data file.
var ErrRules = errors.New("invalid rules")

// invalid is an error in rules: its text says what, and it matches
// ErrRules under errors.Is without repeating "invalid rules" in the text.
type invalid struct{ msg string }

func (e *invalid) Error() string        { return e.msg }
func (e *invalid) Is(target error) bool { return target == ErrRules }

func invalidf(format string, args ...any) error {
	return &invalid{msg: fmt.Sprintf(format, args...)}
}

// Rules are the checks for one table.
type Rules struct {
	// Name says where the rules came from (the file, and for a project
	// the dataset), for messages.
	Name string `json:"name,omitempty"`
	// Dataset holds the rules about the whole table.
	Dataset DatasetRules `json:"dataset"`
	// Columns holds the rules of each column, in the order of the file.
	Columns []ColumnRules `json:"columns,omitempty"`
}

// DatasetRules are the rules about the whole table.
type DatasetRules struct {
	// MinRows, when set, is the fewest rows the table may have.
	MinRows *int64 `json:"min_rows,omitempty"`
	// MaxRows, when set, is the most rows the table may have.
	MaxRows *int64 `json:"max_rows,omitempty"`
	// RequiredColumns must all be present.
	RequiredColumns []string `json:"required_columns,omitempty"`
}

// ColumnRules are the rules of one column. The zero value of each field
// checks nothing.
type ColumnRules struct {
	// Name is the column's name.
	Name string `json:"name"`
	// Type, when set, is the type every non-null value must infer to.
	Type table.Kind `json:"type,omitempty"`
	// NotNull refuses null and NA values.
	NotNull bool `json:"not_null,omitempty"`
	// Min and Max, when set, bound the values that are numbers.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Allowed, when not nil, lists the only texts the column may hold.
	Allowed []string `json:"allowed,omitempty"`
	// Unique refuses a value seen before in the column.
	Unique bool `json:"unique,omitempty"`
	// Regex, when set, must match every non-null value (RE2, unanchored).
	Regex string `json:"regex,omitempty"`
}

// Column returns the rules of the named column, or nil.
func (r *Rules) Column(name string) *ColumnRules {
	for i := range r.Columns {
		if r.Columns[i].Name == name {
			return &r.Columns[i]
		}
	}
	return nil
}

// rawRules is the TOML shape of a rules file, and of one [data.<name>]
// table of a project file.
type rawRules struct {
	Dataset rawDataset           `toml:"dataset"`
	Columns map[string]rawColumn `toml:"columns"`
}

type rawDataset struct {
	MinRows         *int64   `toml:"min_rows"`
	MaxRows         *int64   `toml:"max_rows"`
	RequiredColumns []string `toml:"required_columns"`
}

type rawColumn struct {
	Type    *string  `toml:"type"`
	NotNull bool     `toml:"not_null"`
	Min     *float64 `toml:"min"`
	Max     *float64 `toml:"max"`
	Allowed []string `toml:"allowed"`
	Unique  bool     `toml:"unique"`
	Regex   *string  `toml:"regex"`
}

// LoadRules reads and parses a rules file (see ParseRules).
func LoadRules(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading rules: %w", err)
	}
	return ParseRules(path, data)
}

// ParseRules parses a rules file; name (the path) prefixes every error.
// Errors wrap ErrRules and give the line of a TOML syntax or type error, or
// the key of an unknown key or a value out of range:
// "rules.toml: line 3: ..." or "rules.toml: columns.amount.type: ...".
func ParseRules(name string, data []byte) (*Rules, error) {
	var raw rawRules
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, tomlError(name, err)
	}
	if err := unknownKeys(name, md.Undecoded()); err != nil {
		return nil, err
	}
	return raw.rules(name, "", columnOrder(md.Keys(), nil))
}

// ParseProject parses the data sections of a project file (lathe.toml):
// the rules of each dataset live under [data.<dataset>] with the shape of a
// rules file, e.g. [data.retail.dataset] and [data.retail.columns.amount].
// It returns the rules by dataset name. Top-level tables other than data
// belong to other parts of lathe and are ignored; unknown keys inside
// data.* are refused. Errors are as ParseRules's, with keys in full
// ("lathe.toml: data.retail.columns.amount.min: ...").
func ParseProject(name string, data []byte) (map[string]*Rules, error) {
	var raw struct {
		Data map[string]rawRules `toml:"data"`
	}
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, tomlError(name, err)
	}
	var ours []toml.Key
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] == "data" {
			ours = append(ours, k)
		}
	}
	if err := unknownKeys(name, ours); err != nil {
		return nil, err
	}
	out := make(map[string]*Rules, len(raw.Data))
	keys := md.Keys()
	for ds, rr := range raw.Data {
		prefix := "data." + quoteKey(ds) + "."
		r, err := rr.rules(name, prefix, columnOrder(keys, []string{"data", ds}))
		if err != nil {
			return nil, err
		}
		r.Name = name + ": data." + quoteKey(ds)
		out[ds] = r
	}
	return out, nil
}

// tomlError formats a decoding error as "name: line N: message".
func tomlError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (last key %q)", msg, pe.LastKey)
		}
		return invalidf("%s: line %d: %s", name, pe.Position.Line, msg)
	}
	return invalidf("%s: %s", name, strings.TrimPrefix(err.Error(), "toml: "))
}

// unknownKeys refuses keys the format does not define, naming them all.
func unknownKeys(name string, keys []toml.Key) error {
	if len(keys) == 0 {
		return nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.String()
	}
	return invalidf("%s: unknown key %s", name, strings.Join(names, ", "))
}

// columnOrder returns the column names under prefix+["columns"] in the
// order the file first mentions them.
func columnOrder(keys []toml.Key, prefix []string) []string {
	var order []string
	n := len(prefix)
	for _, k := range keys {
		if len(k) < n+2 || !slices.Equal([]string(k[:n]), prefix) || k[n] != "columns" {
			continue
		}
		if !slices.Contains(order, k[n+1]) {
			order = append(order, k[n+1])
		}
	}
	return order
}

// rules converts the decoded TOML and checks it; prefix is the key path of
// the rules inside the file, for messages.
func (rr rawRules) rules(name, prefix string, order []string) (*Rules, error) {
	r := &Rules{
		Name: name,
		Dataset: DatasetRules{
			MinRows:         rr.Dataset.MinRows,
			MaxRows:         rr.Dataset.MaxRows,
			RequiredColumns: rr.Dataset.RequiredColumns,
		},
	}
	// Keys() lists every table; a map entry it somehow missed still counts.
	for col := range rr.Columns {
		if !slices.Contains(order, col) {
			order = append(order, col)
		}
	}
	for _, col := range order {
		rc, ok := rr.Columns[col]
		if !ok {
			continue
		}
		c := ColumnRules{
			Name:    col,
			NotNull: rc.NotNull,
			Min:     rc.Min,
			Max:     rc.Max,
			Allowed: rc.Allowed,
			Unique:  rc.Unique,
		}
		if rc.Type != nil {
			if *rc.Type == "" {
				return nil, invalidf("%s: %scolumns.%s.type: empty type", name, prefix, quoteKey(col))
			}
			c.Type = table.Kind(*rc.Type)
		}
		if rc.Regex != nil {
			c.Regex = *rc.Regex
			if c.Regex == "" {
				return nil, invalidf("%s: %scolumns.%s.regex: empty pattern", name, prefix, quoteKey(col))
			}
		}
		r.Columns = append(r.Columns, c)
	}
	if err := r.check(prefix); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// Check reports rules that cannot be applied: an unknown type, a bad
// regular expression, min above max, a negative or inverted row count, an
// empty allowed list. The error names the key and wraps ErrRules. Validate
// calls it, so rules built in code get the same checks as parsed ones.
func (r *Rules) Check() error { return r.check("") }

func (r *Rules) check(prefix string) error {
	d := r.Dataset
	if d.MinRows != nil && *d.MinRows < 0 {
		return invalidf("%sdataset.min_rows: %d is negative", prefix, *d.MinRows)
	}
	if d.MaxRows != nil && *d.MaxRows < 0 {
		return invalidf("%sdataset.max_rows: %d is negative", prefix, *d.MaxRows)
	}
	if d.MinRows != nil && d.MaxRows != nil && *d.MinRows > *d.MaxRows {
		return invalidf("%sdataset: min_rows %d is above max_rows %d", prefix, *d.MinRows, *d.MaxRows)
	}
	seen := make(map[string]bool, len(r.Columns))
	for _, c := range r.Columns {
		key := prefix + "columns." + quoteKey(c.Name)
		if seen[c.Name] {
			return invalidf("%s: rules given twice", key)
		}
		seen[c.Name] = true
		switch c.Type {
		case table.KindUnknown, table.KindInt, table.KindFloat, table.KindBool,
			table.KindString, table.KindTimestamp, table.KindCategorical:
		default:
			return invalidf("%s.type: unknown type %q (want int, float, bool, string, timestamp or categorical)",
				key, c.Type)
		}
		for _, b := range []struct {
			k string
			v *float64
		}{{"min", c.Min}, {"max", c.Max}} {
			if b.v != nil && math.IsNaN(*b.v) {
				return invalidf("%s.%s: nan is not a bound", key, b.k)
			}
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			return invalidf("%s: min %v is above max %v", key, *c.Min, *c.Max)
		}
		if c.Allowed != nil && len(c.Allowed) == 0 {
			return invalidf("%s.allowed: empty list allows nothing", key)
		}
		if c.Regex != "" {
			if _, err := regexp.Compile(c.Regex); err != nil {
				return invalidf("%s.regex: %v", key, err)
			}
		}
	}
	return nil
}

// quoteKey writes a key piece as TOML would need it in a dotted key.
func quoteKey(s string) string {
	return toml.Key{s}.String()
}
