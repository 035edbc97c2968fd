package detail

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/lathe-ml/lathe/tui/common"
)

func TestImageFormats(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 6), 100, uint8(y * 12), 255})
		}
	}
	var j, g bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	for want, b := range map[string][]byte{"jpeg": j.Bytes(), "gif": g.Bytes(), "": []byte("GIF8 not quite")} {
		if got := imageFormat(b); got != want {
			t.Errorf("imageFormat = %q, want %q", got, want)
		}
		if want == "" {
			continue
		}
		d := decodeImage(bytes.NewReader(b), want, int64(len(b)), common.GraphicsKitty)
		if d.err != "" || d.w != 40 || d.h != 20 || len(d.png) == 0 {
			t.Fatalf("%s: decoded %+v", want, d)
		}
		// 40×20 pixels in an 80×20 box: 80 columns × 20 rows of half blocks.
		if lines := d.halfBlocks(termenv.TrueColor, 80, 20); len(lines) != 20 || strings.Count(lines[0], "▀") != 80 {
			t.Fatalf("%s: %d lines, %d cells", want, len(lines), strings.Count(lines[0], "▀"))
		}
	}
	if d := decodeImage(bytes.NewReader(nil), "png", maxImageBytes+1, common.GraphicsNone); !strings.Contains(d.err, "50 MiB") {
		t.Fatalf("an image over the byte bound should be refused: %q", d.err)
	}
}

func TestANSI256(t *testing.T) {
	for _, c := range []struct {
		c    color.RGBA
		want int
	}{
		{color.RGBA{0, 0, 0, 255}, 16},
		{color.RGBA{255, 255, 255, 255}, 231},
		{color.RGBA{205, 40, 50, 255}, 161}, // termenv sends this one to black
		{color.RGBA{128, 128, 128, 255}, 244},
	} {
		if got := ansi256(c.c); got != c.want {
			t.Errorf("ansi256(%v) = %d, want %d", c.c, got, c.want)
		}
	}
}
