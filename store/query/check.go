package query

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// fieldKind is what a key turns out to be once aliases are resolved; it
// decides which operators and values are valid and which SQL Compile writes.
type fieldKind int

const (
	fMetric  fieldKind = iota + 1
	fParam             // params: strings, or numbers compared numerically
	fTag               // tags: strings
	fStrCol            // a text column of runs (status, run_id, ...)
	fNumCol            // a time column of runs, ms since the epoch
	fDataset           // a field of a dataset the run used
)

// field is a resolved key.
type field struct {
	kind     fieldKind
	col      string // fStrCol, fNumCol, fDataset: the SQL expression
	nullable bool   // fNumCol: the column may be NULL
}

// runNameTag is the tag MLflow keeps the run name in; MLflow searches it as
// the run_name attribute, and so does lathe.
const runNameTag = "mlflow.runName"

// contextPath reads a run input's context. json_valid guards json_extract,
// which would fail the whole search on one malformed row.
const contextPath = `CASE WHEN json_valid(ri.tags) THEN json_extract(ri.tags, '$."mlflow.data.context"') END`

// validAttributes lists the attribute names for messages.
const validAttributes = "run_id, run_name, status, user_id, start_time, end_time, artifact_uri, created"

// attributeField maps an attribute name, case-sensitive as in MLflow, to its
// column.
func attributeField(name string) (field, bool) {
	switch name {
	case "run_id":
		return field{kind: fStrCol, col: "r.uuid"}, true
	case "run_name":
		return field{kind: fStrCol, col: "r.name"}, true
	case "status", "user_id", "artifact_uri":
		return field{kind: fStrCol, col: "r." + name}, true
	case "start_time", "created", "Created":
		return field{kind: fNumCol, col: "r.start_time", nullable: true}, true
	case "end_time":
		return field{kind: fNumCol, col: "r.end_time", nullable: true}, true
	}
	return field{}, false
}

// entityOf reads an entity prefix with MLflow's aliases; lathe also accepts
// any letter case, which costs nothing and spares a round trip.
func entityOf(prefix string) (Entity, bool) {
	switch strings.ToLower(prefix) {
	case "metric", "metrics":
		return Metric, true
	case "param", "params", "parameter", "parameters":
		return Param, true
	case "tag", "tags":
		return Tag, true
	case "attribute", "attributes", "attr", "run":
		return Attribute, true
	case "dataset", "datasets":
		return Dataset, true
	}
	return 0, false
}

// resolve maps a key to its field, or says why it names nothing.
func resolve(k Key) (field, string) {
	if k.Name == "" {
		return field{}, "empty key"
	}
	switch k.Entity {
	case Metric:
		return field{kind: fMetric}, ""
	case Param:
		return field{kind: fParam}, ""
	case Tag:
		if k.Name == runNameTag {
			return field{kind: fStrCol, col: "r.name"}, ""
		}
		return field{kind: fTag}, ""
	case Attribute:
		if f, ok := attributeField(k.Name); ok {
			return f, ""
		}
		cands := strings.Split(validAttributes, ", ")
		return field{}, fmt.Sprintf("unknown attribute %q%s; valid attributes: %s", k.Name, didYouMean(k.Name, cands), validAttributes)
	case Dataset:
		switch k.Name {
		case "name":
			return field{kind: fDataset, col: "d.name"}, ""
		case "digest":
			return field{kind: fDataset, col: "d.digest"}, ""
		case "context":
			return field{kind: fDataset, col: contextPath}, ""
		}
		return field{}, fmt.Sprintf("unknown dataset field %q%s; valid: name, digest, context", k.Name, didYouMean(k.Name, []string{"name", "digest", "context"}))
	}
	return field{}, fmt.Sprintf("invalid entity %v", k.Entity)
}

// allowedOps lists the operators a field accepts, in the order messages show.
func allowedOps(kind fieldKind) []string {
	switch kind {
	case fMetric, fNumCol:
		return []string{"=", "!=", "<", "<=", ">", ">="}
	case fParam:
		return []string{"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"}
	case fTag:
		return []string{"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"}
	case fStrCol, fDataset:
		return []string{"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"}
	}
	return nil
}

// checkOp says why op does not apply to the key, or "" when it does. The
// parser calls it as soon as it reads the operator, so the error shows before
// the user types a value.
func checkOp(f field, k Key, op string) string {
	ops := allowedOps(f.kind)
	if slices.Contains(ops, op) {
		return ""
	}
	msg := fmt.Sprintf("%s does not support %s; use %s", k, op, strings.Join(ops, ", "))
	if f.kind == fTag && Op(op).numeric() {
		msg += " (only params compare as numbers)"
	}
	return msg
}

// checkValue says why v cannot be compared with the key by op, or "".
func checkValue(f field, k Key, op Op, v Value) string {
	switch v.Kind {
	case NumberValue:
		if math.IsNaN(v.Num) {
			return "NaN is not a value a filter can compare with"
		}
	case StringValue:
	default:
		return fmt.Sprintf("invalid value kind %d", int(v.Kind))
	}
	isNum := v.Kind == NumberValue
	switch f.kind {
	case fMetric:
		if !isNum {
			return fmt.Sprintf("%s compares with numbers; got a string", k)
		}
	case fNumCol:
		if !isNum {
			return fmt.Sprintf("%s compares with numbers (milliseconds since the epoch); got a string", k)
		}
	case fParam:
		if !isNum && op.numeric() {
			return fmt.Sprintf("%q on %s needs a number; got a string (params compare as text only with =, !=, LIKE, ILIKE, IN)", string(op), k)
		}
		if isNum && (op == OpLike || op == OpILike) {
			return fmt.Sprintf("%s needs a string pattern; got a number", op)
		}
	default:
		if isNum {
			return fmt.Sprintf("%s compares with strings; got a number (quote it: '%s')", k, formatNum(v.Num))
		}
	}
	return ""
}

// checkList says why an IN list is invalid, and at which value, or "".
func checkList(vals []Value) (string, int) {
	if len(vals) == 0 {
		return "IN needs at least one value", -1
	}
	for i, v := range vals {
		switch v.Kind {
		case StringValue:
		case NumberValue:
			return fmt.Sprintf("IN lists hold strings; got a number (quote it: '%s')", formatNum(v.Num)), i
		default:
			return "IN lists hold strings; got an invalid value", i
		}
	}
	return "", 0
}

// check validates one condition node, returning a message and the offset it
// is about. Compile calls it too, since an Expr may be built by hand.
func check(e Expr) (string, int) {
	switch e := e.(type) {
	case Compare:
		f, msg := resolve(e.Key)
		if msg != "" {
			return msg, e.Key.Pos
		}
		if msg := checkOp(f, e.Key, string(e.Op)); msg != "" {
			return msg, e.OpPos
		}
		if msg := checkValue(f, e.Key, e.Op, e.Value); msg != "" {
			return msg, e.Value.Pos
		}
	case In:
		f, msg := resolve(e.Key)
		if msg != "" {
			return msg, e.Key.Pos
		}
		op := "IN"
		if e.Negate {
			op = "NOT IN"
		}
		if msg := checkOp(f, e.Key, op); msg != "" {
			return msg, e.OpPos
		}
		if msg, i := checkList(e.Values); msg != "" {
			if i < 0 {
				return msg, e.OpPos
			}
			return msg, e.Values[i].Pos
		}
	case IsNull:
		f, msg := resolve(e.Key)
		if msg != "" {
			return msg, e.Key.Pos
		}
		op := "IS NULL"
		if e.Negate {
			op = "IS NOT NULL"
		}
		if msg := checkOp(f, e.Key, op); msg != "" {
			return msg, e.OpPos
		}
	}
	return "", 0
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s,
// when one is close enough to be a typo.
func didYouMean(s string, cands []string) string {
	best, bestD := "", 3
	ls := strings.ToLower(s)
	for _, c := range cands {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD && d < len(c) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// suggestEntity is didYouMean over every entity alias, suggesting the
// canonical spelling of the closest one.
func suggestEntity(s string) string {
	best, bestD := Entity(0), 3
	ls := strings.ToLower(s)
	for _, alias := range []string{"metric", "metrics", "param", "params", "parameter", "parameters",
		"tag", "tags", "attribute", "attributes", "attr", "run", "dataset", "datasets"} {
		if d := editDistance(ls, alias); d < bestD && d < len(alias) {
			best, bestD = func() Entity { e, _ := entityOf(alias); return e }(), d
		}
	}
	if best == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best.String())
}

// editDistance is the Levenshtein distance in bytes, capped for long input
// since only small distances matter for suggestions.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
