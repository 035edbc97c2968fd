package mlflowapi

import (
	"encoding/json"
	"testing"
)

func FuzzCountElements(f *testing.F) {
	for _, s := range []string{`[]`, `[ ]`, `[1]`, `[[]]`, `[{"a":[1,2]},"x,y",null]`, `["\"],["]`, "[\n]", `[{}, {}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var raws []json.RawMessage
		if json.Unmarshal([]byte(s), &raws) != nil || len(s) == 0 || s[0] != '[' {
			return
		}
		if got := countElements([]byte(s)); got != len(raws) {
			t.Fatalf("countElements(%q) = %d, want %d", s, got, len(raws))
		}
	})
}
