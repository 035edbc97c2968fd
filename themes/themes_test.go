package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedThemesValidate(t *testing.T) {
	names := Names()
	want := []string{"dark", "high-contrast", "light"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", names, want)
	}
	for _, n := range names {
		th, err := Load(n)
		if err != nil {
			t.Fatalf("Load(%q): %v", n, err)
		}
		if th.Name != n {
			t.Errorf("theme file %s.json says name %q", n, th.Name)
		}
		if len(th.Series) < MinSeries {
			t.Errorf("%s: %d series colours", n, len(th.Series))
		}
	}
	if th, err := Load(""); err != nil || th.Name != DefaultName {
		t.Errorf("Load(\"\") = %v, %v; want the default", th.Name, err)
	}
}

func TestParseErrors(t *testing.T) {
	good := `{"name":"x","colors":{"text":"#fff","subtle":"8","accent":"#123456","border":"1","selected":"2","success":"3","warning":"4","error":"5"},"series":["1","2","3","4"]}`
	if _, err := Parse("x.json", []byte(good)); err != nil {
		t.Fatalf("good theme: %v", err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"not json", `{`, "x.json"},
		{"no name", `{"colors":{}}`, `missing "name"`},
		{"unknown field", strings.Replace(good, `"series"`, `"serie"`, 1), `unknown field "serie"`},
		{"missing colour", strings.Replace(good, `"accent":"#123456",`, ``, 1), "colors.accent: missing"},
		{"bad hex", strings.Replace(good, `#123456`, `#12345`, 1), `colors.accent: "#12345" is not a colour`},
		{"bad ansi", strings.Replace(good, `"border":"1"`, `"border":"256"`, 1), `colors.border: "256"`},
		{"unknown colour", strings.Replace(good, `"text"`, `"txt"`, 1), "colors.txt: unknown colour"},
		{"few series", strings.Replace(good, `"1","2","3","4"`, `"1"`, 1), "series: 1 colours, need at least 4"},
		{"bad series", strings.Replace(good, `"1","2","3","4"`, `"1","2","3","red"`, 1), `series[3]: "red"`},
	} {
		_, err := Parse("x.json", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadUserDirAndUnknown(t *testing.T) {
	dir := t.TempDir()
	data := `{"name":"mine","colors":{"text":"#fff","subtle":"8","accent":"#123456","border":"1","selected":"2","success":"3","warning":"4","error":"5"},"series":["1","2","3","4"]}`
	if err := os.WriteFile(filepath.Join(dir, "mine.json"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	th, err := Load("mine", dir)
	if err != nil || th.Name != "mine" || th.Colors.SelectedText != "#fff" {
		t.Fatalf("Load(mine) = %+v, %v", th, err)
	}
	_, err = Load("nope", dir)
	if err == nil || !strings.Contains(err.Error(), "dark, high-contrast, light, mine") {
		t.Errorf("unknown theme error %v should list the themes", err)
	}
	if _, err := Load("../etc/passwd"); err == nil {
		t.Error("a name with slashes should be refused")
	}
}

func TestValidColor(t *testing.T) {
	for _, c := range []string{"#abc", "#A0B1C2", "0", "255", "15"} {
		if err := ValidColor(c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	for _, c := range []string{"", "#ab", "abc", "-1", "256", "007", "#gggggg"} {
		if ValidColor(c) == nil {
			t.Errorf("%q accepted", c)
		}
	}
}
