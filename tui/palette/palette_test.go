package palette_test

import (
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/palette"
)

func TestSuggestAndRun(t *testing.T) {
	p := palette.New(testutil.Common(t, testutil.Seed(t)))
	p.SetWidth(60)
	p.Open([]string{"runs", "run ", "theme dark", "theme light", "exp mnist"})
	for _, r := range "th" {
		p.Update(testutil.Key(string(r)))
	}
	s := strings.Join(p.Suggestions(), "\n")
	if !strings.Contains(s, "theme dark") || !strings.Contains(s, "theme light") || strings.Contains(s, "runs") {
		t.Fatalf("suggestions for th:\n%s", s)
	}
	p.Update(testutil.Key("down"))
	p.Update(testutil.Key("down"))
	_, done, v := p.Update(testutil.Key("enter"))
	if !done || v != "theme light" {
		t.Fatalf("enter on the second suggestion = %v %q", done, v)
	}
	if p.IsOpen() {
		t.Fatal("the palette closes after a command")
	}
	p.Open([]string{"exp mnist"})
	for _, r := range "mni" { // contains, not only prefix
		p.Update(testutil.Key(string(r)))
	}
	p.Update(testutil.Key("tab"))
	_, _, v = p.Update(testutil.Key("enter"))
	if v != "exp mnist" {
		t.Fatalf("tab completes: %q", v)
	}
	p.Open(nil)
	if _, done, v := p.Update(testutil.Key("esc")); !done || v != "" {
		t.Fatal("esc closes without a command")
	}
}
