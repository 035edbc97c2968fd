package detail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders for image.Decode
	_ "image/jpeg"
	"image/png"
	"io"
	"strings"

	"github.com/muesli/termenv"

	"github.com/lathe-ml/lathe/tui/common"
)

// Bounds on the images the preview decodes: larger ones say why instead.
const (
	maxImageBytes  = 50 << 20
	maxImagePixels = 40_000_000
	// thumbMax bounds the decoded image kept for drawing (either side):
	// plenty for a terminal, and it keeps the escape an image protocol
	// needs (the PNG in base64, in the frame) to some tens of KiB.
	thumbMax = 640
)

// imageFormat names the image format of b by its magic bytes ("" when it
// is not PNG, JPEG or GIF).
func imageFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	}
	return ""
}

// imageData is a decoded image artifact, reduced for drawing.
type imageData struct {
	format string
	w, h   int   // the image's own size, pixels
	size   int64 // bytes
	thumb  *image.RGBA
	png    []byte // thumb as PNG, for an image protocol
	err    string // why it is not shown (too large, undecodable)
}

// decodeImage reads an image artifact of size bytes from r (which starts
// with the bytes already read), refusing what is over the bounds, and keeps
// a thumbnail of it; with an image protocol it also encodes the thumbnail
// as PNG. Runs inside a tea.Cmd.
func decodeImage(r io.Reader, format string, size int64, g common.Graphics) *imageData {
	d := &imageData{format: format, size: size}
	if size > maxImageBytes {
		d.err = fmt.Sprintf("too large to preview (over %d MiB)", maxImageBytes>>20)
		return d
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, maxImageBytes+1)); err != nil {
		d.err = "cannot read: " + err.Error()
		return d
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		d.err = "cannot decode: " + err.Error()
		return d
	}
	d.w, d.h = cfg.Width, cfg.Height
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		d.err = fmt.Sprintf("too large to preview (over %d megapixels)", maxImagePixels/1_000_000)
		return d
	}
	img, _, err := image.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		d.err = "cannot decode: " + err.Error()
		return d
	}
	tw, th := fit(d.w, d.h, thumbMax, thumbMax)
	d.thumb = scale(img, tw, th)
	if g != common.GraphicsNone {
		var out bytes.Buffer
		if err := png.Encode(&out, d.thumb); err == nil {
			d.png = out.Bytes()
		}
	}
	return d
}

// fit scales w×h to fit in maxW×maxH, keeping the aspect ratio, never up.
func fit(w, h, maxW, maxH int) (int, int) {
	if w <= 0 || h <= 0 || maxW <= 0 || maxH <= 0 {
		return 0, 0
	}
	if w <= maxW && h <= maxH {
		return w, h
	}
	if w*maxH > h*maxW { // wider than the box
		return maxW, max(h*maxW/w, 1)
	}
	return max(w*maxH/h, 1), maxH
}

// scale resizes src to w×h by averaging the source pixels under each
// target pixel (a box filter: a shrunk plot keeps its thin lines' colour).
func scale(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	rgba, ok := src.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
	} else if b.Min != (image.Point{}) {
		c := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(c, c.Bounds(), src, b.Min, draw.Src)
		rgba = c
	}
	sw, sh := rgba.Rect.Dx(), rgba.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 || sw <= 0 || sh <= 0 {
		return dst
	}
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var r, g, bl, a, n uint32
			for sy := y0; sy < y1; sy++ {
				row := rgba.Pix[sy*rgba.Stride:]
				for sx := x0; sx < x1; sx++ {
					p := row[sx*4 : sx*4+4]
					r, g, bl, a = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2]), a+uint32(p[3])
					n++
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return dst
}

// imageCells is how many terminal cells (columns, rows) the image takes
// when scaled, up or down, to fill a cols×rows box, a cell being two
// pixels tall and one wide (a half block each).
func (d *imageData) imageCells(cols, rows int) (int, int) {
	if d.thumb == nil || cols <= 0 || rows <= 0 || d.w <= 0 || d.h <= 0 {
		return 0, 0
	}
	pw, ph := cols, d.h*cols/d.w
	if ph > rows*2 {
		pw, ph = d.w*rows*2/d.h, rows*2
	}
	return max(pw, 1), max((ph+1)/2, 1)
}

// halfBlocks draws the image in a cols×rows box with "▀" cells: the upper
// half pixel is the foreground, the lower the background, in the
// renderer's colour profile.
func (d *imageData) halfBlocks(p termenv.Profile, cols, rows int) []string {
	cw, ch := d.imageCells(cols, rows)
	if cw == 0 {
		return nil
	}
	px := scale(d.thumb, cw, ch*2)
	lines := make([]string, ch)
	var sb strings.Builder
	for y := 0; y < ch; y++ {
		sb.Reset()
		for x := 0; x < cw; x++ {
			top, bot := px.RGBAAt(x, 2*y), px.RGBAAt(x, 2*y+1)
			if seq := cellColours(p, top, bot); seq != "" {
				sb.WriteString(termenv.CSI + seq + "m")
			}
			sb.WriteString("▀")
		}
		sb.WriteString(termenv.CSI + termenv.ResetSeq + "m")
		lines[y] = sb.String()
	}
	return lines
}

// cellColours is the SGR parameters for a half-block cell: fg the upper
// pixel, bg the lower, in profile p ("" without colours). Pixels are
// premultiplied RGBA, so they read as drawn over black.
func cellColours(p termenv.Profile, fg, bg color.RGBA) string {
	switch p {
	case termenv.TrueColor:
		return fmt.Sprintf("38;2;%d;%d;%d;48;2;%d;%d;%d", fg.R, fg.G, fg.B, bg.R, bg.G, bg.B)
	case termenv.ANSI256:
		// (termenv's own conversion sends some saturated reds to black)
		return fmt.Sprintf("38;5;%d;48;5;%d", ansi256(fg), ansi256(bg))
	case termenv.ANSI:
		f, b := p.Color(hex(fg)), p.Color(hex(bg))
		return f.Sequence(false) + ";" + b.Sequence(true)
	}
	return ""
}

// hex is a colour as #rrggbb.
func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// ansi256 is the nearest xterm 256-colour index: the 6×6×6 cube or the
// grey ramp, whichever is closer.
func ansi256(c color.RGBA) int {
	levels := [6]int{0, 95, 135, 175, 215, 255}
	idx := func(v uint8) int {
		switch {
		case v < 48:
			return 0
		case v < 115:
			return 1
		}
		return (int(v) - 35) / 40
	}
	r, g, b := idx(c.R), idx(c.G), idx(c.B)
	dist := func(x, y, z int) int {
		dr, dg, db := int(c.R)-x, int(c.G)-y, int(c.B)-z
		return dr*dr + dg*dg + db*db
	}
	cube := dist(levels[r], levels[g], levels[b])
	avg := (int(c.R) + int(c.G) + int(c.B)) / 3
	gi := max(min((avg-8)/10, 23), 0)
	gv := 8 + 10*gi
	if dist(gv, gv, gv) < cube {
		return 232 + gi
	}
	return 16 + 36*r + 6*g + b
}

// protocolLines draws the image with the terminal's protocol in a
// cols×rows box: blank lines the size of the image, the escape at the end
// of the last of them. The escape saves the cursor, moves up to the first
// line, draws the image there and restores the cursor, so the image covers
// the blank cells written before it and nothing written after it moves.
func (d *imageData) protocolLines(g common.Graphics, cols, rows int) []string {
	// One column short of the box: a line that fills the terminal leaves
	// the cursor in its pending-wrap state, and moving back from there
	// would land one cell off.
	cw, ch := d.imageCells(cols-1, rows)
	if cw == 0 || len(d.png) == 0 {
		return nil
	}
	lines := make([]string, ch)
	blank := strings.Repeat(" ", cw)
	for i := range lines {
		lines[i] = blank
	}
	var sb strings.Builder
	sb.WriteString("\x1b7") // save the cursor
	if ch > 1 {
		fmt.Fprintf(&sb, "\x1b[%dA", ch-1)
	}
	fmt.Fprintf(&sb, "\x1b[%dD", cw) // back to the image's first column
	sb.WriteString(imageEscape(g, d.png, cw, ch))
	sb.WriteString("\x1b8") // restore it
	lines[ch-1] += sb.String()
	return lines
}

// imageEscape is the escape that draws a PNG over cols×rows cells at the
// cursor: kitty's graphics protocol (transmit and place, in 4 KiB chunks,
// replacing the images shown before) or iTerm2's inline image.
func imageEscape(g common.Graphics, data []byte, cols, rows int) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var sb strings.Builder
	switch g {
	case common.GraphicsKitty:
		sb.WriteString(KittyClear)
		const chunk = 4096
		for i := 0; i < len(enc); i += chunk {
			part := enc[i:min(i+chunk, len(enc))]
			more := 0
			if i+chunk < len(enc) {
				more = 1
			}
			if i == 0 {
				fmt.Fprintf(&sb, "\x1b_Ga=T,f=100,t=d,q=2,C=1,c=%d,r=%d,m=%d;%s\x1b\\", cols, rows, more, part)
			} else {
				fmt.Fprintf(&sb, "\x1b_Gm=%d;%s\x1b\\", more, part)
			}
		}
	case common.GraphicsITerm:
		fmt.Fprintf(&sb, "\x1b]1337;File=inline=1;size=%d;width=%d;height=%d;preserveAspectRatio=1:%s\a",
			len(data), cols, rows, enc)
	}
	return sb.String()
}

// KittyClear deletes every image kitty shows: the detail pane starts its
// view with it while no image is previewed, so a closed preview leaves no
// picture behind (kitty draws images above the text, not in its cells).
const KittyClear = "\x1b_Ga=d,d=a,q=2\x1b\\"

// placeholder describes an image in words (NO_COLOR, or a refusal).
func (d *imageData) placeholder() []string {
	desc := fmt.Sprintf("%s image", strings.ToUpper(d.format))
	if d.w > 0 {
		desc += fmt.Sprintf(", %d×%d", d.w, d.h)
	}
	desc += ", " + humanSize(d.size)
	if d.err != "" {
		return []string{desc, d.err}
	}
	return []string{desc, "(no colours: the image is not drawn)"}
}
