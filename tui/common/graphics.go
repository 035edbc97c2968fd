package common

import "strings"

// Graphics is the inline image protocol the terminal speaks. It is detected
// once, when the workbench starts, from the environment it was started in
// (DetectGraphics), and kept in Common; panes never read the environment.
type Graphics int

// Image protocols. GraphicsNone still shows images, as half-block
// thumbnails in the theme's colour profile.
const (
	GraphicsNone  Graphics = iota
	GraphicsKitty          // the kitty graphics protocol (kitty, Ghostty)
	GraphicsITerm          // iTerm2 inline images (iTerm2, WezTerm)
)

// String names the protocol.
func (g Graphics) String() string {
	return [...]string{"none", "kitty", "iterm2"}[g]
}

// DetectGraphics picks the image protocol from a terminal's environment:
// kitty for TERM=xterm-kitty or KITTY_WINDOW_ID (and Ghostty), iTerm2 for
// TERM_PROGRAM=iTerm.app or WezTerm. Inside tmux or screen it says none:
// multiplexers drop these escapes unless configured to pass them through.
func DetectGraphics(getenv func(string) string) Graphics {
	if getenv("TMUX") != "" || getenv("STY") != "" || strings.HasPrefix(getenv("TERM"), "screen") {
		return GraphicsNone
	}
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case term == "xterm-kitty" || getenv("KITTY_WINDOW_ID") != "":
		return GraphicsKitty
	case term == "xterm-ghostty" || prog == "ghostty":
		return GraphicsKitty
	case prog == "iTerm.app" || prog == "WezTerm":
		return GraphicsITerm
	}
	return GraphicsNone
}
