package mlflowapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The compatibility fixtures live in testdata/mlflowapi at the repository
// root, one JSON file per scenario. Each holds steps replayed in order against
// a fresh server over an empty store:
//
//	{"description": "...", "steps": [{
//	  "name": "what this step shows",
//	  "method": "POST", "path": "/api/2.0/mlflow/runs/create", "query": "a=1&b=2",
//	  "body": {...}            // a JSON request body, sent as application/json
//	  "raw_body": "...",       // or the exact bytes of the body
//	  "content_type": "...",   // overrides the default application/json
//	  "status": 200,
//	  "response": {...},       // the expected JSON response, compared structurally
//	  "response_text": "OK",   // or the expected plain-text response
//	  "capture": {"run": "run.info.run_id"}}]}
//
// Requests and expectations may use "{{name}}" for a value captured by an
// earlier step. A request string "<repeat:C:N>" stands for C repeated N
// times; a request object {"<array>": N, "item": ...} stands for N copies of
// item in which "<i>" in strings is replaced by the index and the string
// "<i:int>" by the index as a number. Expected values may be placeholders:
// "<any>", "<string>", "<ms>" (an integer time in milliseconds), "<id>" (an
// experiment id), "<run_id>" (32 hex digits), "<token>" (a non-empty page
// token), "<contains:text>" (a string containing text). Objects must have
// exactly the expected keys: a field MLflow leaves out must be left out.

const fixtureDir = "../../testdata/mlflowapi"

type fixture struct {
	Description string        `json:"description"`
	Steps       []fixtureStep `json:"steps"`
}

type fixtureStep struct {
	Name         string            `json:"name"`
	Method       string            `json:"method"`
	Path         string            `json:"path"`
	Query        string            `json:"query"`
	Body         json.RawMessage   `json:"body"`
	RawBody      *string           `json:"raw_body"`
	ContentType  *string           `json:"content_type"`
	Status       int               `json:"status"`
	Response     json.RawMessage   `json:"response"`
	ResponseText *string           `json:"response_text"`
	Capture      map[string]string `json:"capture"`
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures in %s", fixtureDir)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx fixture
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&fx); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			runFixture(t, fx)
		})
	}
}

func runFixture(t *testing.T, fx fixture) {
	srv, _ := newTestServer(t)
	vars := map[string]any{}
	for i, st := range fx.Steps {
		label := fmt.Sprintf("step %d (%s)", i+1, st.Name)
		path := substitute(st.Path, vars)
		if st.Query != "" {
			path += "?" + substitute(st.Query, vars)
		}
		var body []byte
		ct := ""
		switch {
		case st.RawBody != nil:
			body, ct = []byte(substitute(*st.RawBody, vars)), "application/json"
		case len(st.Body) > 0:
			var v any
			if err := json.Unmarshal(st.Body, &v); err != nil {
				t.Fatalf("%s: body: %v", label, err)
			}
			b, err := json.Marshal(expand(v, vars))
			if err != nil {
				t.Fatalf("%s: body: %v", label, err)
			}
			body, ct = b, "application/json"
		}
		switch {
		case st.ContentType != nil:
			ct = *st.ContentType
		case st.Method == "POST":
			ct = "application/json"
		}
		status, got := do(t, srv, st.Method, path, ct, body)
		if status != st.Status {
			t.Fatalf("%s: %s %s: status %d, want %d; body: %s", label, st.Method, path, status, st.Status, truncate(string(got), 2000))
		}
		if st.ResponseText != nil {
			if want := substitute(*st.ResponseText, vars); want != "<any>" && string(got) != want {
				t.Fatalf("%s: body %q, want %q", label, got, want)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(got))
		dec.UseNumber()
		var gotV any
		if err := dec.Decode(&gotV); err != nil {
			t.Fatalf("%s: response is not JSON: %v: %s", label, err, got)
		}
		if len(st.Response) > 0 {
			var want any
			wdec := json.NewDecoder(bytes.NewReader(st.Response))
			wdec.UseNumber()
			if err := wdec.Decode(&want); err != nil {
				t.Fatalf("%s: expected response: %v", label, err)
			}
			if err := match(want, gotV, "$", vars); err != nil {
				t.Fatalf("%s: %s %s: %v\nresponse: %s", label, st.Method, path, err, truncate(string(got), 4000))
			}
		}
		for name, p := range st.Capture {
			v, err := lookup(gotV, p)
			if err != nil {
				t.Fatalf("%s: capture %s: %v", label, name, err)
			}
			vars[name] = v
		}
	}
}

var varRef = regexp.MustCompile(`\{\{(\w+)\}\}`)

// substitute replaces {{name}} with the captured value's text.
func substitute(s string, vars map[string]any) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := vars[m[2:len(m)-2]]
		if !ok {
			return m
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	})
}

var repeatRef = regexp.MustCompile(`^<repeat:(.):(\d+)>$`)

// expand applies variables and the request generators to a request value.
func expand(v any, vars map[string]any) any {
	switch x := v.(type) {
	case string:
		if m := varRef.FindStringSubmatch(x); m != nil && m[0] == x {
			if val, ok := vars[m[1]]; ok {
				return val
			}
		}
		if m := repeatRef.FindStringSubmatch(x); m != nil {
			n, _ := strconv.Atoi(m[2])
			return strings.Repeat(m[1], n)
		}
		return substitute(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expand(e, vars)
		}
		return out
	case map[string]any:
		if n, ok := x["<array>"]; ok {
			out := make([]any, int(n.(float64)))
			for i := range out {
				out[i] = expand(withIndex(x["item"], i), vars)
			}
			return out
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expand(e, vars)
		}
		return out
	}
	return v
}

func withIndex(v any, i int) any {
	switch x := v.(type) {
	case string:
		if x == "<i:int>" {
			return i
		}
		return strings.ReplaceAll(x, "<i>", strconv.Itoa(i))
	case []any:
		out := make([]any, len(x))
		for j, e := range x {
			out[j] = withIndex(e, i)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withIndex(e, i)
		}
		return out
	}
	return v
}

var (
	hexRunID = regexp.MustCompile(`^[0-9a-f]{32}$`)
	digits   = regexp.MustCompile(`^[0-9]+$`)
)

// match compares an expected value (with placeholders) to a response value.
func match(want, got any, at string, vars map[string]any) error {
	if s, ok := want.(string); ok {
		if m := varRef.FindStringSubmatch(s); m != nil && m[0] == s {
			if v, ok := vars[m[1]]; ok {
				want = normalize(v)
			}
		} else if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
			return matchPlaceholder(s[1:len(s)-1], got, at, vars)
		} else {
			want = substitute(s, vars)
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an object", at, show(got))
		}
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: unexpected field %q (%s)", at, k, show(g[k]))
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing field %q", at, k)
			}
			if err := match(w[k], gv, at+"."+k, vars); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an array", at, show(got))
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: got %d elements, want %d", at, len(g), len(w))
		}
		for i := range w {
			if err := match(w[i], g[i], fmt.Sprintf("%s[%d]", at, i), vars); err != nil {
				return err
			}
		}
		return nil
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !numbersEqual(w, g) {
			return fmt.Errorf("%s: got %s, want %s", at, show(got), w)
		}
		return nil
	}
	if fmt.Sprint(want) != fmt.Sprint(got) || fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		return fmt.Errorf("%s: got %s, want %s", at, show(got), show(want))
	}
	return nil
}

func matchPlaceholder(p string, got any, at string, vars map[string]any) error {
	s, isStr := got.(string)
	n, isNum := got.(json.Number)
	ok := false
	switch {
	case p == "any":
		ok = true
	case p == "string":
		ok = isStr
	case p == "token":
		ok = isStr && s != ""
	case p == "run_id":
		ok = isStr && hexRunID.MatchString(s)
	case p == "id":
		ok = isStr && digits.MatchString(s)
	case p == "ms":
		if isNum {
			v, err := n.Int64()
			ok = err == nil && v > 1e12
		}
	case strings.HasPrefix(p, "contains:"):
		ok = isStr && strings.Contains(s, substitute(p[len("contains:"):], vars))
	default:
		return fmt.Errorf("%s: unknown placeholder <%s>", at, p)
	}
	if !ok {
		return fmt.Errorf("%s: got %s, want <%s>", at, show(got), p)
	}
	return nil
}

// normalize turns a captured value into the decoded form match compares.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	_ = dec.Decode(&out)
	return out
}

func numbersEqual(a, b json.Number) bool {
	if x, err := a.Int64(); err == nil {
		if y, err := b.Int64(); err == nil {
			return x == y
		}
	}
	x, err1 := a.Float64()
	y, err2 := b.Float64()
	return err1 == nil && err2 == nil && x == y
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b), 300)
}

// lookup follows a path like "run.info.run_id" or "experiments[1].name".
func lookup(v any, path string) (any, error) {
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			n, err := strconv.Atoi(part[i+1 : len(part)-1])
			if err != nil {
				return nil, fmt.Errorf("bad index in %q", part)
			}
			name, idx = part[:i], n
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: not an object", name)
		}
		if v, ok = m[name]; !ok {
			return nil, fmt.Errorf("no field %q", name)
		}
		if idx >= 0 {
			a, ok := v.([]any)
			if !ok || idx >= len(a) {
				return nil, fmt.Errorf("%q has no element %d", name, idx)
			}
			v = a[idx]
		}
	}
	return v, nil
}

// TestFixturesCoverEveryEndpoint keeps the fixtures honest: every endpoint
// is exercised by at least one successful and one failing step.
func TestFixturesCoverEveryEndpoint(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	ok, failed := map[string]bool{}, map[string]bool{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(raw, &fx); err != nil {
			t.Fatal(err)
		}
		for _, st := range fx.Steps {
			name := strings.TrimPrefix(strings.TrimPrefix(st.Path, "/ajax-api/2.0/mlflow/"), "/api/2.0/mlflow/")
			if st.Status == 200 {
				ok[name] = true
			} else {
				failed[name] = true
			}
		}
	}
	for _, name := range append(endpointNames(), "/health", "/version") {
		if !ok[name] {
			t.Errorf("no fixture step succeeds on %s", name)
		}
		if !failed[name] && !strings.HasPrefix(name, "/") {
			t.Errorf("no fixture step fails on %s", name)
		}
	}
}
