package detail_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// testPNG is a 24×12 image: a horizontal red→blue gradient with a white
// square in the middle, small enough to read in a golden.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 12))
	for y := 0; y < 12; y++ {
		for x := 0; x < 24; x++ {
			c := color.RGBA{uint8(255 - x*10), 40, uint8(x * 10), 255}
			if x >= 9 && x < 15 && y >= 3 && y < 9 {
				c = color.RGBA{255, 255, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is testPNG with a header claiming 9000×9000 pixels.
func hugePNG(t *testing.T) []byte {
	b := testPNG(t)
	binary.BigEndian.PutUint32(b[16:], 9000)
	binary.BigEndian.PutUint32(b[20:], 9000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// seedImage gives wide-lr one artifact, plot.png, holding body.
func seedImage(t *testing.T, body []byte) *store.Store {
	t.Helper()
	st := testutil.Seed(t)
	if _, err := st.LogArtifact(context.Background(), testutil.ID("wide-lr"), "plot.png", bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	return st
}

// openImage opens wide-lr with c and previews plot.png.
func openImage(t *testing.T, c *common.Common, w, h int) *detail.Model {
	t.Helper()
	m := detail.New(c)
	m.SetSize(w, h)
	m.Focus()
	testutil.Drain(t, m.Update, m.Open(testutil.ID("wide-lr")))
	for _, k := range []string{"a", "enter"} {
		testutil.Drain(t, m.Update, m.Update(testutil.Key(k)))
	}
	return m
}

// colourCommon is testutil.Common drawing in 256 colours.
func colourCommon(t *testing.T, st common.Store) *common.Common {
	t.Helper()
	c := testutil.Common(t, st)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	c.Renderer = r
	th, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	c.SetTheme(th)
	return c
}

// TestImagePreviewGolden: without colours an image is described; with
// them it is drawn in half blocks (the golden keeps the colour escapes).
func TestImagePreviewGolden(t *testing.T) {
	st := seedImage(t, testPNG(t))
	for _, sz := range testutil.Sizes {
		t.Run("mono/"+testutil.SizeName(sz), func(t *testing.T) {
			m := openImage(t, testutil.Common(t, st), sz[0], sz[1])
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
	t.Run("halfblocks", func(t *testing.T) {
		m := openImage(t, colourCommon(t, st), 80, 24)
		v := m.View()
		if !strings.Contains(v, "▀") || !strings.Contains(v, "PNG 24×12") {
			t.Fatalf("a colour terminal should draw the image in half blocks:\n%s", v)
		}
		golden.RequireEqual(t, []byte(v))
	})
}

func TestImageProtocols(t *testing.T) {
	st := seedImage(t, testPNG(t))
	for g, want := range map[common.Graphics]string{
		common.GraphicsKitty: "\x1b_Ga=T,f=100",
		common.GraphicsITerm: "\x1b]1337;File=inline=1;",
	} {
		t.Run(g.String(), func(t *testing.T) {
			c := colourCommon(t, st)
			c.Graphics = g
			m := openImage(t, c, 100, 30)
			v := m.View()
			if !strings.Contains(v, want) || strings.Contains(v, "▀") {
				t.Fatalf("%s should draw with its escape %q, not half blocks", g, want)
			}
			for i, l := range strings.Split(v, "\n") {
				if w := lipgloss.Width(l); w != 100 {
					t.Fatalf("line %d is %d cells wide, want 100 (escapes take no cells)", i, w)
				}
			}
			if ok, _ := m.Back(); !ok {
				t.Fatal("esc should close the preview")
			}
			if v := m.View(); strings.Contains(v, want) || (g == common.GraphicsKitty) != strings.HasPrefix(v, detail.KittyClear) {
				t.Fatal("closing the preview should drop the image (kitty: delete it)")
			}
		})
	}
}

func TestImageBounds(t *testing.T) {
	st := seedImage(t, hugePNG(t))
	m := openImage(t, colourCommon(t, st), 100, 30)
	if v := m.View(); !strings.Contains(v, "9000×9000") || !strings.Contains(v, "too large to preview (over 40 megapixels)") {
		t.Fatalf("an image over the pixel bound should say so:\n%s", v)
	}
	bad := append(testPNG(t)[:40:40], "truncated"...)
	m = openImage(t, colourCommon(t, seedImage(t, bad)), 100, 30)
	if v := m.View(); !strings.Contains(v, "cannot decode") {
		t.Fatalf("a broken image should say it cannot be decoded:\n%s", v)
	}
}

func TestDetectGraphics(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want common.Graphics
	}{
		{map[string]string{"TERM": "xterm-kitty"}, common.GraphicsKitty},
		{map[string]string{"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, common.GraphicsKitty},
		{map[string]string{"TERM_PROGRAM": "iTerm.app"}, common.GraphicsITerm},
		{map[string]string{"TERM_PROGRAM": "WezTerm"}, common.GraphicsITerm},
		{map[string]string{"TERM": "xterm-kitty", "TMUX": "/tmp/tmux"}, common.GraphicsNone},
		{map[string]string{"TERM": "xterm-256color"}, common.GraphicsNone},
	} {
		if got := common.DetectGraphics(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: got %s, want %s", c.env, got, c.want)
		}
	}
}
