package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Jobs without an MLflow client report by printing directive lines on
// stdout; docs/jobs.md is the reference for users:
//
//	lathe: metric loss=0.42 acc=0.9 step=3
//	lathe: metrics {"loss": 0.42, "val/acc": 0.9} step=3
//	lathe: param lr=0.01
//	lathe: tag stage=pretrain
//
// A directive is a whole line that starts with "lathe:". Everything else is
// ordinary output and ignored. A malformed directive is a warning, never an
// error: the job goes on.

// DirectivePrefix starts every directive line.
const DirectivePrefix = "lathe:"

// Kind says what a directive records.
type Kind int

// Directive kinds.
const (
	KindMetric  Kind = iota + 1 // one or more metric points at one step
	KindParam                   // a param, Key=Value
	KindTag                     // a tag, Key=Value
	KindWarning                 // a directive that could not be read
)

func (k Kind) String() string {
	switch k {
	case KindMetric:
		return "metric"
	case KindParam:
		return "param"
	case KindTag:
		return "tag"
	case KindWarning:
		return "warning"
	}
	return "invalid"
}

// Point is one metric value of a metric directive.
type Point struct {
	Key   string
	Value float64
}

// Directive is one parsed directive line.
type Directive struct {
	Kind Kind
	// Line is the 1-based line number in the stream (0 from ParseLine).
	Line int64
	// Points and Step: KindMetric. Points are in the order of the line
	// (sorted by key for the JSON form).
	Points []Point
	Step   int64
	// Key and Value: KindParam and KindTag.
	Key, Value string
	// Warning says why a line was refused: KindWarning.
	Warning string
	// Time is when the line was read (Unix ms); the parser leaves it zero
	// for the caller to stamp.
	Time int64
}

// ParseLine reads one line (without its line ending). ok is false for
// ordinary output; a line that starts with DirectivePrefix but cannot be read
// returns a KindWarning directive. It never panics and does no I/O.
func ParseLine(line []byte) (d Directive, ok bool) {
	rest, found := bytes.CutPrefix(line, []byte(DirectivePrefix))
	if !found {
		return Directive{}, false
	}
	if !utf8.Valid(rest) {
		return warnf("the line is not valid UTF-8"), true
	}
	s := strings.TrimSpace(string(rest))
	if len(rest) > 0 && !isBlank(rune(rest[0])) {
		return warnf("want a space after %q", DirectivePrefix), true
	}
	verb, args, _ := strings.Cut(s, " ")
	verb, args = strings.TrimSpace(verb), strings.TrimSpace(args)
	if i := strings.IndexByte(verb, '\t'); i >= 0 { // "metric\tloss=1"
		verb, args = verb[:i], strings.TrimSpace(verb[i+1:]+" "+args)
	}
	switch verb {
	case "metric":
		return parseMetric(args)
	case "metrics":
		return parseMetricsJSON(args)
	case "param", "tag":
		k, v, err := parseKeyValue(args)
		if err != nil {
			return warnf("%s: %v", verb, err), true
		}
		kind := KindParam
		if verb == "tag" {
			kind = KindTag
		}
		return Directive{Kind: kind, Key: k, Value: v}, true
	case "":
		return warnf("empty directive (want metric, metrics, param or tag)"), true
	}
	return warnf("unknown directive %q (want metric, metrics, param or tag)", clip(verb)), true
}

func isBlank(r rune) bool { return r == ' ' || r == '\t' }

func warnf(format string, args ...any) Directive {
	return Directive{Kind: KindWarning, Warning: fmt.Sprintf(format, args...)}
}

// clip shortens user text quoted in a warning.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// parseKeyValue splits "key=value": the key is non-empty without blanks or
// control characters; the value is the rest of the line.
func parseKeyValue(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", errors.New("want KEY=VALUE")
	}
	k = strings.TrimSpace(k)
	if err := checkKey(k); err != nil {
		return "", "", err
	}
	v = strings.TrimSpace(v)
	for _, r := range v {
		if unicode.IsControl(r) && r != '\t' {
			return "", "", fmt.Errorf("the value of %q has a control character", clip(k))
		}
	}
	return k, v, nil
}

func checkKey(k string) error {
	if k == "" {
		return errors.New("empty key")
	}
	for _, r := range k {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("key %q has a blank or control character", clip(k))
		}
	}
	return nil
}

// parseMetric reads "k=v [k=v]... [step=N]".
func parseMetric(args string) (Directive, bool) {
	d := Directive{Kind: KindMetric}
	haveStep := false
	for _, f := range strings.Fields(args) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return warnf("metric: %q is not KEY=VALUE", clip(f)), true
		}
		if err := checkKey(k); err != nil {
			return warnf("metric: %v", err), true
		}
		if k == "step" {
			if haveStep {
				return warnf("metric: step given twice"), true
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return warnf("metric: step %q is not an integer", clip(v)), true
			}
			d.Step, haveStep = n, true
			continue
		}
		x, err := parseValue(v)
		if err != nil {
			return warnf("metric: %s: %v", clip(k), err), true
		}
		d.Points = append(d.Points, Point{Key: k, Value: x})
	}
	if len(d.Points) == 0 {
		return warnf("metric: no KEY=VALUE"), true
	}
	return d, true
}

// parseValue reads a decimal number, NaN or [+-]Inf[inity]; values beyond
// float64 become ±Inf as MLflow clients send them.
func parseValue(v string) (float64, error) {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return x, nil
		}
		return 0, fmt.Errorf("%q is not a number", clip(v))
	}
	return x, nil
}

// parseMetricsJSON reads `{"k": v, ...} [step=N]`; values are JSON numbers
// or the strings "NaN", "Infinity" and "-Infinity".
func parseMetricsJSON(args string) (Directive, bool) {
	dec := json.NewDecoder(strings.NewReader(args))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return warnf("metrics: want a JSON object of numbers"), true
	}
	d := Directive{Kind: KindMetric}
	tail := strings.TrimSpace(args[dec.InputOffset():])
	if tail != "" {
		n, ok := strings.CutPrefix(tail, "step=")
		step, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil {
			return warnf("metrics: after the object want only step=N, not %q", clip(tail)), true
		}
		d.Step = step
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := checkMetricsKey(k); err != nil {
			return warnf("metrics: %v", err), true
		}
		var x float64
		switch v := obj[k].(type) {
		case json.Number:
			var err error
			if x, err = parseValue(string(v)); err != nil {
				return warnf("metrics: %s: %v", clip(k), err), true
			}
		case string:
			switch v {
			case "NaN":
				x = math.NaN()
			case "Infinity":
				x = math.Inf(1)
			case "-Infinity":
				x = math.Inf(-1)
			default:
				return warnf("metrics: %s: %q is not a number", clip(k), clip(v)), true
			}
		default:
			return warnf("metrics: %s: want a number", clip(k)), true
		}
		d.Points = append(d.Points, Point{Key: k, Value: x})
	}
	if len(d.Points) == 0 {
		return warnf("metrics: empty object"), true
	}
	return d, true
}

// checkMetricsKey allows blanks inside JSON keys (MLflow keys may hold
// spaces) but not control characters, invalid UTF-8 or an empty key.
func checkMetricsKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return errors.New("empty key")
	}
	if !utf8.ValidString(k) {
		return errors.New("key is not valid UTF-8")
	}
	for _, r := range k {
		if unicode.IsControl(r) {
			return fmt.Errorf("key %q has a control character", clip(k))
		}
	}
	return nil
}
