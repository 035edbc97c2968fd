package mlflowapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the request decoding layer: request bytes (a JSON body or a
// query string) in, a fields value out, and typed accessors that apply
// protobuf JSON's lenient scalar rules and MLflow's error messages. It never
// touches the store, so it can be fuzzed alone.

// fields is one decoded JSON object: its members by name, and the path of the
// object inside the request ("" at the top, "metrics[3]" inside a batch) so
// that errors name the exact parameter at fault. A member that is null counts
// as absent, as in protobuf JSON.
type fields struct {
	path string // the object's path, or its array's when elem > 0
	elem int    // 1 + the object's index in its array; 0 when not an element
	m    map[string]json.RawMessage
}

// maxEchoedValue bounds how much of a bad value an error message repeats.
const maxEchoedValue = 100

const apiDocsHint = " See the API docs for more information about request parameters."

func errMissing(param string) error {
	return invalidParam(fmt.Sprintf("Missing value for required parameter '%s'.", param) + apiDocsHint)
}

func errBadValue(param string, raw []byte, want string) error {
	v := string(raw)
	if utf8.RuneCountInString(v) > maxEchoedValue {
		v = string([]rune(v)[:maxEchoedValue]) + "..."
	}
	return invalidParam(fmt.Sprintf("Invalid value %s for parameter '%s' supplied: %s.", v, param, want) + apiDocsHint)
}

func errMalformed(msg string) error {
	return &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: msg}
}

// parseBody decodes a JSON request body. An empty body (or a JSON null) is an
// empty request; a JSON string holding JSON is decoded once more, as MLflow
// does for old clients that double-encoded their bodies. Python's bare NaN,
// Infinity and -Infinity tokens are accepted because Python clients send them.
func parseBody(body []byte) (fields, error) {
	return parseBodyDepth(body, 0)
}

func parseBodyDepth(body []byte, depth int) (fields, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return fields{}, nil
	}
	if body[0] == '{' {
		// The common case in one pass; the slower checks below only run to
		// accept Python's bare NaN or to explain what is wrong.
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			return fields{m: m}, nil
		}
	}
	if !json.Valid(body) {
		relaxed, changed := relaxNonFinite(body)
		if !changed || !json.Valid(relaxed) {
			var v any
			err := json.Unmarshal(body, &v)
			return fields{}, errMalformed("malformed JSON in the request body: " + errText(err))
		}
		body = relaxed
	}
	switch body[0] {
	case 'n':
		return fields{}, nil
	case '"':
		var s string
		if err := json.Unmarshal(body, &s); err != nil || depth > 0 {
			return fields{}, errMalformed("the request body must be a JSON object")
		}
		return parseBodyDepth([]byte(s), depth+1)
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return fields{}, errMalformed("malformed JSON in the request body: " + errText(err))
		}
		return fields{m: m}, nil
	}
	return fields{}, errMalformed("the request body must be a JSON object")
}

func errText(err error) string {
	if err == nil {
		return "invalid JSON"
	}
	return err.Error()
}

// relaxNonFinite quotes the bare tokens NaN, Infinity and -Infinity found
// outside strings, turning Python's json.dumps output into standard JSON
// (protobuf JSON reads the quoted forms as the same doubles).
func relaxNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	inStr, esc, changed := false, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		matched := ""
		for _, tok := range [...]string{"NaN", "Infinity", "-Infinity"} {
			if bytes.HasPrefix(b[i:], []byte(tok)) {
				matched = tok
				break
			}
		}
		if matched == "" {
			out = append(out, c)
			continue
		}
		out = append(out, '"')
		out = append(out, matched...)
		out = append(out, '"')
		i += len(matched) - 1
		changed = true
	}
	return out, changed
}

// parseQuery parses a query string strictly: a malformed escape is the
// client's error, not an empty parameter.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errMalformed("malformed query string: " + err.Error())
	}
	return q, nil
}

// queryFields turns query parameters into fields: each parameter becomes a
// JSON string (its first value, as Flask's args.get), except the endpoint's
// repeated fields, which become arrays of all their values.
func queryFields(q url.Values, repeated []string) fields {
	m := make(map[string]json.RawMessage, len(q))
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		var b []byte
		if contains(repeated, k) {
			b, _ = json.Marshal(vs)
		} else {
			b, _ = json.Marshal(vs[0])
		}
		m[k] = b
	}
	return fields{m: m}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f fields) param(name string) string {
	p := f.path
	if f.elem > 0 {
		p = fmt.Sprintf("%s[%d]", p, f.elem-1)
	}
	if p == "" {
		return name
	}
	return p + "." + name
}

// raw returns a member that is present and not null.
func (f fields) raw(name string) ([]byte, bool) {
	r, ok := f.m[name]
	if !ok {
		return nil, false
	}
	r = bytes.TrimSpace(r)
	if len(r) == 0 || r[0] == 'n' {
		return nil, false
	}
	return r, true
}

// str reads a string member.
func (f fields) str(name string) (string, bool, error) {
	r, ok := f.raw(name)
	if !ok {
		return "", false, nil
	}
	if r[0] != '"' {
		return "", false, errBadValue(f.param(name), r, "expected a string")
	}
	if body := r[1 : len(r)-1]; len(r) >= 2 && bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true, nil // no escapes: the common case, without a second JSON pass
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return "", false, errBadValue(f.param(name), r, "expected a string")
	}
	return s, true, nil
}

// reqStr reads a required string member; absent, null and "" are all
// missing, as MLflow's _assert_required has it.
func (f fields) reqStr(name string) (string, error) {
	s, _, err := f.str(name)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", errMissing(f.param(name))
	}
	return s, nil
}

// optStr reads an optional string member, "" when absent.
func (f fields) optStr(name string) (string, error) {
	s, _, err := f.str(name)
	return s, err
}

// integer reads an integer member written as a JSON number (an integral value
// such as 3 or 3.0) or as a string of decimal digits ("3"), as protobuf JSON
// accepts for int64 fields.
func (f fields) integer(name string) (int64, bool, error) {
	r, ok := f.raw(name)
	if !ok {
		return 0, false, nil
	}
	v, err := parseInt64(r)
	if err != nil {
		return 0, false, errBadValue(f.param(name), r, "expected an integer")
	}
	return v, true, nil
}

func parseInt64(r []byte) (int64, error) {
	text := string(r)
	if r[0] == '"' {
		if err := json.Unmarshal(r, &text); err != nil {
			return 0, err
		}
		text = strings.TrimSpace(text)
	}
	if !isJSONNumber(text) {
		return 0, fmt.Errorf("not a number")
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	fv, err := strconv.ParseFloat(text, 64)
	if err != nil || fv != math.Trunc(fv) || fv < -(1<<63) || fv >= 1<<63 {
		return 0, fmt.Errorf("not an integer")
	}
	return int64(fv), nil
}

// isJSONNumber reports whether s is a number as JSON spells it (so not
// "inf", "0x10", "1_000" or " 1").
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// double reads a double member: a JSON number, or a string holding a number
// or one of protobuf JSON's "NaN", "Infinity" and "-Infinity".
func (f fields) double(name string) (float64, bool, error) {
	r, ok := f.raw(name)
	if !ok {
		return 0, false, nil
	}
	v, err := parseFloat64(r)
	if err != nil {
		return 0, false, errBadValue(f.param(name), r, "expected a double (64-bit floating point)")
	}
	return v, true, nil
}

func parseFloat64(r []byte) (float64, error) {
	text := string(r)
	if r[0] == '"' {
		if err := json.Unmarshal(r, &text); err != nil {
			return 0, err
		}
		switch text {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		text = strings.TrimSpace(text)
	}
	if !isJSONNumber(text) {
		return 0, fmt.Errorf("not a number")
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// Out of range: JSON readers (Python's among them) give ±Inf.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, nil
		}
		return 0, err
	}
	return v, nil
}

// enum reads a protobuf enum member given by name ("ACTIVE_ONLY") or number
// (1 or "1"); values lists the names in number order from 1.
func (f fields) enum(name string, values []string) (int, bool, error) {
	r, ok := f.raw(name)
	if !ok {
		return 0, false, nil
	}
	if r[0] == '"' {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			for i, v := range values {
				if s == v {
					return i + 1, true, nil
				}
			}
		}
	}
	if n, err := parseInt64(r); err == nil && n >= 1 && n <= int64(len(values)) {
		return int(n), true, nil
	}
	return 0, false, errBadValue(f.param(name), r, "expected one of "+strings.Join(values, ", "))
}

// strs reads an array of strings.
func (f fields) strs(name string) ([]string, error) {
	r, ok := f.raw(name)
	if !ok {
		return nil, nil
	}
	var raws []json.RawMessage
	if r[0] != '[' || json.Unmarshal(r, &raws) != nil {
		return nil, errBadValue(f.param(name), r, "expected an array of strings")
	}
	out := make([]string, 0, len(raws))
	for _, e := range raws {
		var s string
		if len(e) == 0 || e[0] != '"' || json.Unmarshal(e, &s) != nil {
			return nil, errBadValue(f.param(name), r, "expected an array of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

// objs reads an array of objects; null elements read as empty objects.
func (f fields) objs(name string) ([]fields, error) {
	r, ok := f.raw(name)
	if !ok {
		return nil, nil
	}
	if r[0] != '[' {
		return nil, errBadValue(f.param(name), r, "expected an array of objects")
	}
	parent := f.param(name)
	// One pass for the usual array of objects (nulls decode as nil maps);
	// element by element only to name the one at fault.
	var maps []map[string]json.RawMessage
	if json.Unmarshal(r, &maps) == nil {
		out := make([]fields, len(maps))
		for i, m := range maps {
			out[i] = fields{path: parent, elem: i + 1, m: m}
		}
		return out, nil
	}
	var raws []json.RawMessage
	if json.Unmarshal(r, &raws) != nil {
		return nil, errBadValue(parent, r, "expected an array of objects")
	}
	out := make([]fields, len(raws))
	for i, e := range raws {
		e = bytes.TrimSpace(e)
		if len(e) > 0 && e[0] == 'n' {
			out[i] = fields{path: parent, elem: i + 1}
			continue
		}
		var m map[string]json.RawMessage
		if len(e) == 0 || e[0] != '{' || json.Unmarshal(e, &m) != nil {
			return nil, errBadValue(fmt.Sprintf("%s[%d]", parent, i), e, "expected an object")
		}
		out[i] = fields{path: parent, elem: i + 1, m: m}
	}
	return out, nil
}

// arrayLen counts the elements of an array member, 0 for anything else.
func (f fields) arrayLen(name string) int {
	r, ok := f.raw(name)
	if !ok || r[0] != '[' {
		return 0
	}
	return countElements(r)
}

// countElements counts the top-level elements of a JSON array that the body
// decoder has already validated, without decoding them.
func countElements(r []byte) int {
	depth, n, inStr, esc, empty := 0, 0, false, false, true
	for _, c := range r {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		}
		if depth >= 1 && c != ' ' && c != '\t' && c != '\n' && c != '\r' && !(depth == 1 && c == '[') {
			empty = false
		}
	}
	if empty {
		return 0
	}
	return n + 1
}

// obj reads an object member; absent reads as an empty object.
func (f fields) obj(name string) (fields, error) {
	p := f.param(name)
	r, ok := f.raw(name)
	if !ok {
		return fields{path: p}, nil
	}
	var m map[string]json.RawMessage
	if r[0] != '{' || json.Unmarshal(r, &m) != nil {
		return fields{}, errBadValue(p, r, "expected an object")
	}
	return fields{path: p, m: m}, nil
}

// runID reads run_id, falling back to the deprecated run_uuid as MLflow does.
func (f fields) runID() (string, error) {
	id, err := f.optStr("run_id")
	if err != nil || id != "" {
		return id, err
	}
	id, err = f.optStr("run_uuid")
	if err != nil || id != "" {
		return id, err
	}
	return "", errMissing(f.param("run_id"))
}

// kv is a key/value pair of a request: a tag or a param.
type kv struct{ Key, Value string }

// kvs reads an array of {key, value} objects whose keys are required.
func (f fields) kvs(name string) ([]kv, error) {
	objs, err := f.objs(name)
	if err != nil {
		return nil, err
	}
	out := make([]kv, 0, len(objs))
	for _, o := range objs {
		k, err := o.reqStr("key")
		if err != nil {
			return nil, err
		}
		v, err := o.optStr("value")
		if err != nil {
			return nil, err
		}
		out = append(out, kv{k, v})
	}
	return out, nil
}
