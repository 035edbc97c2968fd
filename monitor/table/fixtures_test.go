package table

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixtures reads the bad-input files under testdata/table: each error
// must name the file and the line.
func TestFixtures(t *testing.T) {
	dir := "../../testdata/table/csv"
	tests := []struct {
		file string
		want error  // nil: reads cleanly
		msg  string // after "path: "
		rows int
	}{
		{"ragged.csv", ErrMalformed, "line 3: malformed data: 5 fields, header has 4", 0},
		{"bom_crlf.csv", nil, "", 3},
		{"unbalanced.csv", ErrMalformed, "line 3: malformed data: quoted field not closed before end of file", 0},
		{"latin1.csv", ErrMalformed, `line 3: malformed data: invalid UTF-8 in column "city"`, 0},
		{"empty.csv", ErrEmpty, "empty file: no header", 0},
		{"header_only.csv", nil, "", 0},
		{"dup_columns.csv", ErrSchema, `line 1: schema mismatch: column "x" at positions 2 and 4`, 0},
		{"mixed.csv", nil, "", 5},
		{"nested.jsonl", ErrNested, `line 1: nested column: key "tags" holds an array`, 0},
		{"ok.jsonl", nil, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			r, err := Open(context.Background(), path)
			var rows [][]string
			if err == nil {
				rows, err = readAll(t, r)
				r.Close()
			}
			if tt.want == nil {
				if err != nil || len(rows) != tt.rows {
					t.Fatalf("%d rows, %v; want %d rows", len(rows), err, tt.rows)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v\nwant %v: %s: ...%s", err, tt.want, path, tt.msg)
			}
		})
	}
}

func TestFixtureValues(t *testing.T) {
	r, err := Open(context.Background(), "../../testdata/table/csv/bom_crlf.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c := r.Columns(); c[0].Name != "id" {
		t.Errorf("BOM not stripped: %q", c[0].Name)
	}
	rows, err := readAll(t, r)
	if err != nil || rows[0][1] != "ann, jr." || rows[1][1] != "multi\nline" || rows[2][1] != "bob" {
		t.Errorf("%q, %v", rows, err)
	}
	// mixed.csv: the reader hands out text; Infer and Widen make it a string.
	r, err = Open(context.Background(), "../../testdata/table/csv/mixed.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, _ = readAll(t, r)
	k := KindUnknown
	var kinds []Kind
	for _, row := range rows {
		kinds = append(kinds, Infer(row[0]))
		k = Widen(k, Infer(row[0]))
	}
	want := []Kind{KindInt, KindFloat, KindString, KindBool, KindTimestamp}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("Infer(%q) = %q, want %q", rows[i][0], kinds[i], want[i])
		}
	}
	if k != KindString {
		t.Errorf("Widen over mixed.csv = %q", k)
	}
}
