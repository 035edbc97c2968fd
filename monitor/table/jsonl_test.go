package table

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

func openJSONL(t testing.TB, data string) (Reader, error) {
	t.Helper()
	return OpenReader(context.Background(), "t.jsonl", strings.NewReader(data), FormatJSONL, false)
}

func TestJSONL(t *testing.T) {
	in := `{"a": 1.50, "b": "x", "c": true}

{"b": "y\n\"z\"", "a": null}
  {"c": false, "a": -3e5, "b": ""}  ` + "\r\n" + `{"a":1,"b":"last","c":null}`
	r, err := openJSONL(t, in)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, c := range r.Columns() {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("columns %q", names)
	}
	want := []struct {
		fields []string
		null   []bool
		line   int64
	}{
		{[]string{"1.50", "x", "true"}, nil, 1},
		{[]string{"", "y\n\"z\"", ""}, []bool{true, false, true}, 3},
		{[]string{"-3e5", "", "false"}, nil, 4},
		{[]string{"1", "last", ""}, []bool{false, false, true}, 5},
	}
	for i, w := range want {
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !equalStrings(rec.Fields, w.fields) || rec.Line != w.line || len(rec.Null) != len(w.null) {
			t.Fatalf("row %d: %q %v line %d, want %q %v line %d", i, rec.Fields, rec.Null, rec.Line, w.fields, w.null, w.line)
		}
		for j := range w.null {
			if rec.Null[j] != w.null[j] {
				t.Fatalf("row %d: Null %v, want %v", i, rec.Null, w.null)
			}
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

func TestJSONLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"empty", "", ErrEmpty, "t.jsonl"},
		{"blank", "\n  \n", ErrEmpty, "t.jsonl"},
		{"new key", "{\"a\":1}\n{\"a\":2,\"b\":3}\n", ErrSchema, `t.jsonl: line 2: schema mismatch: key "b"`},
		{"array value", "{\"a\":1}\n{\"a\":[1]}\n", ErrNested, `line 2: nested column: key "a" holds an array`},
		{"object value", "{\"a\":{\"b\":1}}\n", ErrNested, `line 1: nested column: key "a" holds an object`},
		{"invalid", "{\"a\":1}\n{\"a\":}\n", ErrMalformed, "line 2: malformed data"},
		{"truncated", "{\"a\":1}\n{\"a\":1\n", ErrMalformed, "line 2: malformed data"},
		{"not an object", "{\"a\":1}\n[1]\n", ErrMalformed, "line 2: malformed data: want a JSON object, got array"},
		{"trailing text", "{\"a\":1} x\n", ErrMalformed, "line 1: malformed data: text after"},
		{"two objects", "{\"a\":1}{\"a\":2}\n", ErrMalformed, "line 1: malformed data: text after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openJSONL(t, tt.in)
			if err == nil {
				_, err = readAll(t, r)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

// FuzzJSONL: no panic; every row has one field per column; an error names
// the stream.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x"}` + "\n" + `{"b":null}`, `{"a":[1]}`, `{"a":1}{`, "\n\n{}\n", `{"a":"\u00e9","a":2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := openJSONL(t, in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "t.jsonl") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		n := len(r.Columns())
		for {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "t.jsonl: line ") {
					t.Fatalf("error does not name the line: %v", err)
				}
				return
			}
			if len(rec.Fields) != n || (rec.Null != nil && len(rec.Null) != n) {
				t.Fatalf("%d fields, %d columns", len(rec.Fields), n)
			}
		}
	})
}

// tokenObject is the reference for jsonScan: encoding/json's Token API over
// one line. It returns the keys, values and nulls in order, and the class
// of error (nil, ErrMalformed, ErrNested).
func tokenObject(line []byte) (keys, vals []string, nulls []bool, class error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, nil, ErrMalformed
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, nil, ErrMalformed
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, nil, ErrMalformed
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, nil, ErrMalformed
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, nil, nil, ErrMalformed
		}
		var val string
		null := false
		switch v := tok.(type) {
		case json.Delim:
			return nil, nil, nil, ErrNested
		case string:
			val = v
		case json.Number:
			val = string(v)
		case bool:
			val = strconv.FormatBool(v)
		case nil:
			null = true
		}
		keys, vals, nulls = append(keys, key), append(vals, val), append(nulls, null)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, nil, ErrMalformed
	}
	if len(trimJSONSpace(line[dec.InputOffset():])) > 0 {
		return nil, nil, nil, ErrMalformed
	}
	return keys, vals, nulls, nil
}

// FuzzJSONScan checks jsonScan against encoding/json's Token API: the same
// keys and values, or the same class of error.
func FuzzJSONScan(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x","c":true,"d":null,"e":false}`, `{"a":-0.5e+3}`, `{"a":"\u00e9\ud83d\ude00\n\"\\/"}`,
		`{"a":[1]}`, `{"a":{}}`, `{}`, ` { "a" : 1 } `, `{"a":01}`, `{"a":1.}`, `{"a":"\x01"}`, "{\"a\":\"\xff\"}",
		`{"a":1}x`, `[1]`, `{"a":tru}`, `{"a":1,}`, `{"\ud800":2}`, `{"a":"\q"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var keys, vals []string
		var nulls []bool
		sc := jsonScan{b: line}
		jerr := sc.object(func(k, v string, null bool) *jsonErr {
			keys, vals, nulls = append(keys, strings.Clone(k)), append(vals, strings.Clone(v)), append(nulls, null)
			return nil
		})
		var class error
		if jerr != nil {
			class = jerr.err
		}
		wk, wv, wn, wclass := tokenObject(line)
		if class != wclass {
			msg := ""
			if jerr != nil {
				msg = jerr.msg
			}
			t.Fatalf("%q: error %v (%s), encoding/json %v", line, class, msg, wclass)
		}
		if class != nil {
			return
		}
		if !equalStrings(keys, wk) || !equalStrings(vals, wv) || fmt.Sprint(nulls) != fmt.Sprint(wn) {
			t.Fatalf("%q: %q=%q %v, encoding/json %q=%q %v", line, keys, vals, nulls, wk, wv, wn)
		}
	})
}

func BenchmarkJSONScan(b *testing.B) {
	line := []byte(`{"id":123,"age":45,"income":1234.56,"score":null,"city":"São Paulo","joined":"2024-01-02","comment":"a \"quoted\" word","flag":true}`)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		sc := jsonScan{b: line}
		if err := sc.object(func(string, string, bool) *jsonErr { return nil }); err != nil {
			b.Fatal(err.msg)
		}
	}
}
