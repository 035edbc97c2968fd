package detail

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/chart"
	"github.com/lathe-ml/lathe/tui/common"
)

// View draws the pane in exactly its size: a fixed header, then the
// scrolling sections (or the notes editor).
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	v := m.view()
	if m.c.Graphics == common.GraphicsKitty && (m.prev == nil || m.prev.img == nil) {
		// kitty draws images above the text: delete any left from a
		// closed preview (the renderer sends this line only when it changes).
		v = KittyClear + v
	}
	return v
}

func (m *Model) view() string {
	st := m.c.Styles
	if m.id == "" {
		return common.FitLines(st.Subtle.Render("No run open. Press enter on a run in the runs pane (1), or :run ID."), m.width, m.height)
	}
	head := m.header()
	if m.prev != nil {
		return m.previewView(head)
	}
	if m.editing {
		hint := st.Subtle.Render("Editing notes · ctrl+s save · esc cancel")
		return common.FitLines(strings.Join(append(head, hint, m.notes.View()), "\n"), m.width, m.height)
	}
	if m.filtering || m.filter.Value() != "" {
		head = append(head, m.filter.View())
	}
	bodyH := m.height - len(head)
	end := min(m.offset+bodyH, len(m.lines))
	body := append([]string(nil), m.lines[min(m.offset, end):end]...)
	if below := len(m.lines) - end; below > 0 && len(body) > 0 {
		body[len(body)-1] = st.Subtle.Render(fmt.Sprintf("  ↓ %d more lines (j/k, pgdn)", below+1))
	}
	return common.FitLines(strings.Join(append(head, body...), "\n"), m.width, m.height)
}

func (m *Model) header() []string {
	st := m.c.Styles
	if m.run == nil {
		if m.err != nil {
			return []string{st.Error.Render(common.Truncate("error: "+m.err.Error(), m.width))}
		}
		return []string{st.Subtle.Render("loading run " + common.ShortID(m.id) + "…")}
	}
	r := m.run
	l1 := st.Title.Render(r.Name) + "  " + st.RunStatus(r.Status).Render(r.Status) + "  " + st.Subtle.Render(r.ID)
	meta := []string{}
	if m.exp != "" {
		meta = append(meta, "experiment "+m.exp)
	}
	if r.StartTime != 0 {
		meta = append(meta, "started "+common.FormatTime(r.StartTime, m.c.Loc))
		verb := "took "
		if r.EndTime == 0 {
			verb = "running for "
		}
		meta = append(meta, verb+common.RunDuration(r.StartTime, r.EndTime, m.c.Now()))
	}
	if r.UserID != "" {
		meta = append(meta, "by "+r.UserID)
	}
	if p := r.Tags[store.TagParentID]; p != "" {
		meta = append(meta, "child of "+common.ShortID(p))
	}
	out := []string{common.Truncate(l1, m.width)}
	for _, l := range wrapParts(meta, " · ", m.width, 2) {
		out = append(out, st.Subtle.Render(common.Truncate(l, m.width)))
	}
	return out
}

// wrapParts joins parts with sep into lines of at most w cells, breaking
// only between parts, in at most n lines (the last one takes the rest).
func wrapParts(parts []string, sep string, w, n int) []string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case len(lines) < n-1 && common.Width(cur+sep+p) > w:
			lines = append(lines, cur)
			cur = p
		default:
			cur += sep + p
		}
	}
	return append(lines, cur)
}

// render rebuilds the scrolling content after the run, the size, the
// filter or the theme changed.
func (m *Model) render() {
	if m.run == nil || m.width <= 0 {
		m.lines = nil
		return
	}
	if m.width >= 140 {
		lw := m.width/2 - 1
		rw := m.width - lw - 2
		left := append(append(m.metricsSection(lw), m.paramsSection(lw)...), m.dataSection(lw)...)
		right := append(append(m.notesSection(rw), m.commandSection(rw)...), m.tagsSection(rw)...)
		m.artStart = len(right) + 1
		right = append(right, m.artifactsSection(rw)...)
		m.lines = strings.Split(lipgloss.JoinHorizontal(lipgloss.Top,
			strings.Join(pad(left, lw), "\n"), "  ", strings.Join(pad(right, rw), "\n")), "\n")
	} else {
		w := m.width
		var all []string
		for _, s := range [][]string{m.metricsSection(w), m.paramsSection(w), m.dataSection(w), m.notesSection(w), m.commandSection(w), m.tagsSection(w)} {
			all = append(all, s...)
		}
		m.artStart = len(all) + 1
		all = append(all, m.artifactsSection(w)...)
		m.lines = all
	}
	m.scroll(0)
}

func pad(lines []string, w int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = common.Pad(l, w, false)
	}
	return out
}

func (m *Model) section(title string, n int, w int) string {
	st := m.c.Styles
	t := title
	if n >= 0 {
		t += fmt.Sprintf(" (%d)", n)
	}
	rule := max(w-lipgloss.Width(t)-1, 0)
	return st.Title.Render(t) + " " + st.Border.Render(strings.Repeat("─", rule))
}

// kv lays out key/value pairs with the keys in one column.
func (m *Model) kv(keys []string, vals map[string]string, w int) []string {
	st := m.c.Styles
	kw := 0
	for _, k := range keys {
		kw = max(kw, lipgloss.Width(k))
	}
	kw = min(kw, w/2)
	var out []string
	for _, k := range keys {
		out = append(out, st.Subtle.Render(common.Pad(k, kw, false))+"  "+st.Text.Render(common.Truncate(oneLine(vals[k]), w-kw-2)))
	}
	return out
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " ⏎ ")
}

func (m *Model) metricsSection(w int) []string {
	st := m.c.Styles
	var ms []store.MetricSummary
	for _, s := range m.run.Metrics {
		if m.matches(s.Key) {
			ms = append(ms, s)
		}
	}
	out := []string{m.section("METRICS", len(ms), w)}
	if len(ms) == 0 {
		return append(out, st.Subtle.Render("  none"), "")
	}
	kw := 6
	for _, s := range ms {
		kw = max(kw, lipgloss.Width(s.Key))
	}
	kw = min(kw, 24)
	const vw = 9
	sw := max(w-kw-4*(vw+1)-2, 0)
	sw = min(sw, 40)
	out = append(out, st.Header.Render(common.Pad("KEY", kw, false)+" "+common.Pad("LAST", vw, true)+" "+
		common.Pad("MIN", vw, true)+" "+common.Pad("MAX", vw, true)+" "+common.Pad("STEPS", vw, true)+"  "+common.Pad("TREND", sw, false)))
	for _, s := range ms {
		line := st.Text.Render(common.Pad(s.Key, kw, false)) + " " +
			st.Bold.Render(common.Pad(common.FormatValue(s.Last), vw, true)) + " " +
			st.Text.Render(common.Pad(common.FormatValue(s.Min), vw, true)) + " " +
			st.Text.Render(common.Pad(common.FormatValue(s.Max), vw, true)) + " " +
			st.Subtle.Render(common.Pad(fmt.Sprint(s.Count), vw, true))
		if sw > 0 {
			line += "  " + st.Series(s.Key).Render(chart.Sparkline(m.history[s.Key], sw))
		}
		out = append(out, line)
	}
	return append(out, "")
}

func (m *Model) paramsSection(w int) []string {
	var keys []string
	for _, k := range store.SortedKeys(m.run.Params) {
		if m.matches(k) {
			keys = append(keys, k)
		}
	}
	out := []string{m.section("PARAMS", len(keys), w)}
	if len(keys) == 0 {
		return append(out, m.c.Styles.Subtle.Render("  none"), "")
	}
	return append(append(out, m.kv(keys, m.run.Params, w)...), "")
}

// dataSection is the run's data lineage: the lathe dataset versions it
// consumed, then MLflow dataset inputs that are not lathe versions. It is
// left out for a run with neither.
func (m *Model) dataSection(w int) []string {
	st := m.c.Styles
	var lines []string
	for _, d := range m.data {
		status := d.ValidationStatus
		if status == "" {
			status = "not validated"
		}
		lines = append(lines, "  "+st.Accent.Render(d.Ref())+st.Text.Render(common.Truncate(fmt.Sprintf("  %s  %s rows  validation %s",
			d.ShortDigest(), common.FormatCount(d.Rows), status), max(w-2-common.Width(d.Ref()), 0))))
	}
	for _, in := range m.run.Inputs {
		if in.Dataset.SourceType == store.DataSourceType {
			continue // shown above as a version
		}
		lines = append(lines, st.Text.Render(common.Truncate(fmt.Sprintf("  %s  %s  %s", in.Dataset.Name, in.Dataset.Digest, in.Dataset.Source), w)))
	}
	if len(lines) == 0 {
		return nil
	}
	return append(append([]string{m.section("DATA", len(lines), w)}, lines...), "")
}

func (m *Model) notesSection(w int) []string {
	st := m.c.Styles
	out := []string{m.section("NOTES", -1, w)}
	if strings.TrimSpace(m.run.Notes) == "" {
		return append(out, st.Subtle.Render("  none · n to write some"), "")
	}
	for _, l := range strings.Split(m.run.Notes, "\n") {
		out = append(out, wrap(l, w)...)
	}
	return append(out, "")
}

// wrap breaks a line of text at w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for lipgloss.Width(s) > w {
		cut := common.Truncate(s, w+1)
		cut = strings.TrimSuffix(cut, "…")
		if i := strings.LastIndexByte(cut, ' '); i > w/2 {
			cut = cut[:i]
		}
		out = append(out, cut)
		s = strings.TrimLeft(s[len(cut):], " ")
	}
	return append(out, s)
}

// commandSection shows what `lathe run` recorded to reproduce the run.
func (m *Model) commandSection(w int) []string {
	t := m.run.Tags
	vals := map[string]string{}
	var keys []string
	add := func(k, v string) {
		if v != "" && m.matches(k) {
			keys = append(keys, k)
			vals[k] = v
		}
	}
	add("command", commandLine(t["lathe.command"]))
	add("template", commandLine(t["lathe.command_template"]))
	add("workdir", t["lathe.workdir"])
	git := t["lathe.git.commit"]
	if len(git) > 12 {
		git = git[:12]
	}
	if b := t["lathe.git.branch"]; b != "" {
		git += " on " + b
	}
	if t["lathe.git.dirty"] == "true" {
		git += " (dirty)"
	}
	add("git", strings.TrimSpace(git))
	add("remote", t["lathe.git.remote"])
	py := strings.TrimSpace(strings.Join([]string{t["lathe.python.version"], t["lathe.python.venv"], t["lathe.conda.env"]}, " "))
	add("python", py)
	add("host", firstOf(t["lathe.host"], m.run.Host))
	add("user", t["lathe.user"])
	add("job", t["lathe.job_id"])
	add("rerun of", t["lathe.rerun_of"])
	add("outputs", t["lathe.outputs"])
	out := []string{m.section("COMMAND", -1, w)}
	if len(keys) == 0 {
		return append(out, m.c.Styles.Subtle.Render("  not recorded (lathe run records it)"), "")
	}
	return append(append(out, m.kv(keys, vals, w)...), "")
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// commandLine turns a JSON array of arguments into a shell-like line.
func commandLine(js string) string {
	if js == "" {
		return ""
	}
	var args []string
	if json.Unmarshal([]byte(js), &args) != nil {
		return js
	}
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$`\\|&;<>(){}*?") {
			args[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(args, " ")
}

// tagsSection lists the tags not shown elsewhere.
func (m *Model) tagsSection(w int) []string {
	var keys []string
	for _, k := range store.SortedKeys(m.run.Tags) {
		switch {
		case k == store.TagRunName, k == store.TagNote, k == store.TagParentID,
			strings.HasPrefix(k, "lathe.command"), k == "lathe.workdir", strings.HasPrefix(k, "lathe.git."),
			strings.HasPrefix(k, "lathe.python."), k == "lathe.conda.env", k == "lathe.host",
			k == "lathe.job_id", k == "lathe.rerun_of", k == "lathe.outputs", k == "lathe.user",
			k == "lathe.params": // the params themselves are shown above
			continue
		}
		if m.matches(k) {
			keys = append(keys, k)
		}
	}
	out := []string{m.section("TAGS", len(keys), w)}
	return append(append(out, m.kv(keys, m.run.Tags, w)...), "")
}

func (m *Model) artifactsSection(w int) []string {
	st := m.c.Styles
	rows := m.artRows()
	title := fmt.Sprintf("ARTIFACTS (%d)", len(rows))
	if m.browsing {
		title += " · enter expand/preview · esc done"
	}
	out := []string{m.section(title, -1, w)}
	if len(rows) == 0 {
		return append(out, st.Subtle.Render("  none"), "")
	}
	for i, r := range rows {
		mark := "  "
		if r.a.IsDir {
			mark = "▸ "
			if m.open[r.a.Path] {
				mark = "▾ "
			}
		}
		name := path.Base(r.a.Path)
		if r.a.IsDir {
			name += "/"
		}
		size := ""
		if !r.a.IsDir {
			size = humanSize(r.a.Size)
		}
		left := "  " + strings.Repeat("  ", r.depth) + mark + name
		left = common.Truncate(left, max(w-len(size)-1, 1))
		gap := max(w-lipgloss.Width(left)-len(size), 1)
		if m.browsing && i == m.acur {
			out = append(out, st.Cursor.Render(common.Pad(left+strings.Repeat(" ", gap)+size, w, false)))
			continue
		}
		out = append(out, left+strings.Repeat(" ", gap)+st.Subtle.Render(size))
	}
	return append(out, "")
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
