// Package themes holds lathe's colour themes as data: small JSON files that
// name colours by what they mean (text, subtle, accent, border, selected,
// success, warning, error and a palette for chart series) rather than by
// where they are used. Three are embedded (dark, light, high-contrast); users
// may add their own files. The package knows nothing about terminals: the TUI
// turns a Theme into styles once.
package themes

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.json
var embedded embed.FS

// DefaultName is the theme used when nothing chooses another.
const DefaultName = "dark"

// MinSeries is the fewest series colours a theme may have: compare charts
// overlay several runs and need that many distinct colours at least.
const MinSeries = 4

// Theme is one validated colour theme. Every colour is either "#rgb",
// "#rrggbb" or an ANSI colour number "0".."255"; Mono themes have none.
type Theme struct {
	Name        string
	Description string
	Colors      Colors
	// Series colours chart lines, in order of preference.
	Series []string
	// Mono is true for the theme used under NO_COLOR: no colours at all, and
	// the TUI marks what matters with bold, underline and reverse video.
	Mono bool
}

// Colors are the semantic colours of a theme.
type Colors struct {
	Text         string `json:"text"`
	Subtle       string `json:"subtle"`
	Accent       string `json:"accent"`
	Border       string `json:"border"`
	Selected     string `json:"selected"`      // background of the selected row
	SelectedText string `json:"selected_text"` // text on Selected; optional, defaults to Text
	Success      string `json:"success"`
	Warning      string `json:"warning"`
	Error        string `json:"error"`
}

// file is the on-disk form; pointers tell a missing colour from an empty one.
type file struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Colors      map[string]*string `json:"colors"`
	Series      []string           `json:"series"`
}

// required lists the colours every theme file must define, in the order
// errors mention them.
var required = []string{"text", "subtle", "accent", "border", "selected", "success", "warning", "error"}

var optional = map[string]bool{"selected_text": true}

// Names lists the embedded themes, sorted.
func Names() []string {
	ents, _ := fs.ReadDir(embedded, ".")
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Load returns the theme called name: NAME.json from the first of dirs that
// has it (user themes), else the embedded one. Returns an error naming the
// file and the field for a theme that does not validate, and listing the
// available names for an unknown one.
func Load(name string, dirs ...string) (Theme, error) {
	if name == "" {
		name = DefaultName
	}
	if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return Theme{}, fmt.Errorf("theme %q: a theme name has no slashes and does not start with a dot", name)
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name+".json")
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Theme{}, fmt.Errorf("theme %s: %w", p, err)
		}
		return Parse(p, b)
	}
	b, err := embedded.ReadFile(name + ".json")
	if err != nil {
		return Theme{}, fmt.Errorf("unknown theme %q (available: %s)", name, strings.Join(available(dirs), ", "))
	}
	return Parse("themes/"+name+".json", b)
}

// available lists embedded and user theme names for error messages.
func available(dirs []string) []string {
	seen := map[string]bool{}
	for _, n := range Names() {
		seen[n] = true
	}
	for _, d := range dirs {
		ms, _ := filepath.Glob(filepath.Join(d, "*.json"))
		for _, m := range ms {
			seen[strings.TrimSuffix(filepath.Base(m), ".json")] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parse validates a theme file's contents; source names it in errors.
// Unknown fields and colours, missing colours and malformed values are all
// errors, so that a typo never silently falls back to a default.
func Parse(source string, data []byte) (Theme, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Theme{}, fmt.Errorf("theme %s: %w", source, err)
	}
	if f.Name == "" {
		return Theme{}, fmt.Errorf("theme %s: missing \"name\"", source)
	}
	var errs []string
	for k := range f.Colors {
		if !slices.Contains(required, k) && !optional[k] {
			errs = append(errs, fmt.Sprintf("colors.%s: unknown colour (known: %s, selected_text)", k, strings.Join(required, ", ")))
		}
	}
	get := func(k string) string {
		v := f.Colors[k]
		if v == nil {
			if !optional[k] {
				errs = append(errs, fmt.Sprintf("colors.%s: missing", k))
			}
			return ""
		}
		if err := ValidColor(*v); err != nil {
			errs = append(errs, fmt.Sprintf("colors.%s: %v", k, err))
		}
		return *v
	}
	t := Theme{Name: f.Name, Description: f.Description}
	t.Colors = Colors{
		Text: get("text"), Subtle: get("subtle"), Accent: get("accent"), Border: get("border"),
		Selected: get("selected"), SelectedText: get("selected_text"), Success: get("success"),
		Warning: get("warning"), Error: get("error"),
	}
	if t.Colors.SelectedText == "" {
		t.Colors.SelectedText = t.Colors.Text
	}
	if len(f.Series) < MinSeries {
		errs = append(errs, fmt.Sprintf("series: %d colours, need at least %d", len(f.Series), MinSeries))
	}
	for i, c := range f.Series {
		if err := ValidColor(c); err != nil {
			errs = append(errs, fmt.Sprintf("series[%d]: %v", i, err))
		}
	}
	t.Series = f.Series
	if len(errs) > 0 {
		sort.Strings(errs)
		return Theme{}, fmt.Errorf("theme %s: %s", source, strings.Join(errs, "; "))
	}
	return t, nil
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// ValidColor accepts "#rgb", "#rrggbb" and ANSI colour numbers 0-255.
func ValidColor(c string) error {
	if hexColor.MatchString(c) {
		return nil
	}
	if n, err := strconv.Atoi(c); err == nil && n >= 0 && n <= 255 && strconv.Itoa(n) == c {
		return nil
	}
	return fmt.Errorf("%q is not a colour (want #rrggbb, #rgb or an ANSI number 0-255)", c)
}

// Mono is the theme for NO_COLOR: no colours; the TUI uses text attributes.
func Mono() Theme {
	return Theme{Name: "mono", Description: "No colours (NO_COLOR is set).", Mono: true,
		Series: []string{"", "", "", ""}}
}
