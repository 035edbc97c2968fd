package models

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// View draws the models list beside the versions and the selected
// version's metrics, with one line below for the alias input, the
// confirmation or counts.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	bodyH := max(m.height-1, 1)
	lw := max(min(m.width/4, 32), 18)
	rw := max(m.width-lw-1, 1)
	sep := strings.TrimSuffix(strings.Repeat(st.Border.Render("│")+"\n", bodyH), "\n")
	body := common.JoinColumns([]int{lw, 1, rw}, m.modelsView(lw, bodyH), sep, m.rightView(rw, bodyH))
	return body + "\n" + m.footer()
}

func (m *Model) footer() string {
	st := m.c.Styles
	switch {
	case m.typing:
		return common.Pad(m.input.View(), m.width, false)
	case m.confirming:
		return common.Pad(st.Warning.Render(m.question), m.width, false)
	case m.filtering:
		return common.Pad(m.filter.View(), m.width, false)
	}
	s := plural(len(m.models), "model")
	if f := strings.TrimSpace(m.filter.Value()); f != "" {
		s = fmt.Sprintf("/%s · %d of %s", f, len(m.models), plural(len(m.allModels), "model"))
	}
	if md := m.model(); md != nil {
		if n, all := len(m.versions), len(m.allVersions); n != all {
			s += fmt.Sprintf(" · %s: %d of %s", md.Name, n, plural(all, "version"))
		} else {
			s += fmt.Sprintf(" · %s: %s", md.Name, plural(n, "version"))
		}
	}
	// Hints while they fit, the most useful first.
	for _, h := range []string{"tab versions", "a alias", "enter open run", "/ filter"} {
		if common.Width(s)+3+len(h) > m.width {
			break
		}
		s += " · " + h
	}
	return common.Pad(st.Subtle.Render(s), m.width, false)
}

// plural is "1 model", "2 models".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// row renders one list row, highlighted when it is the cursor's.
func (m *Model) row(s string, w int, selected, active bool) string {
	st := m.c.Styles
	s = common.Pad(s, w, false)
	switch {
	case selected && active && m.focused:
		return st.Cursor.Render(s)
	case selected:
		return st.CursorBlur.Render(s)
	}
	return st.Text.Render(s)
}

// window is the first row to show so that cur stays among n visible rows.
func window(cur, n int) int { return max(cur-n+1, 0) }

func (m *Model) modelsView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render(common.Pad(fmt.Sprintf("MODELS (%d)", len(m.models)), w, false))}
	switch {
	case m.st == nil:
		lines = append(lines, st.Error.Render(common.Pad("store has no registry", w, false)))
	case m.err != nil:
		lines = append(lines, st.Error.Render(common.Pad(m.err.Error(), w, false)))
	case len(m.models) == 0 && !m.loadingModels:
		lines = append(lines, st.Subtle.Render(common.Pad("none", w, false)))
	}
	rows := h - 1
	for i := window(m.mCur, rows); i < len(m.models) && len(lines) < h; i++ {
		md := m.models[i]
		latest := ""
		if md.Latest != nil {
			latest = fmt.Sprintf("v%d", md.Latest.Version)
		}
		name := common.Pad(md.Name, max(w-len(latest)-1, 1), false)
		lines = append(lines, m.row(name+" "+latest, w, i == m.mCur, !m.onVersions))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

func (m *Model) rightView(w, h int) string {
	vh := max(min(len(m.versions)+2, h/2), min(4, h))
	top := m.versionsView(w, vh)
	if h-vh <= 0 {
		return top
	}
	return top + "\n" + m.metricsView(w, h-vh)
}

func (m *Model) versionsView(w, h int) string {
	st := m.c.Styles
	title := "VERSIONS"
	if md := m.model(); md != nil {
		title += " · " + md.Name
	}
	lines := []string{st.Title.Render(common.Pad(title, w, false))}
	const verW, createdW = 5, 16
	statusW := 7
	if w < 80 {
		statusW = 0 // every version lathe registers is READY
	}
	aliasW := max(12, w/5)
	runW := min(max(w-verW-createdW-statusW-aliasW-4, 8), 48)
	cols := func(a, b, c, d, e string) string {
		s := common.Pad(a, verW, false) + " " + common.Pad(b, createdW, false) + " " + common.Pad(c, runW, false) + " " +
			common.Pad(d, aliasW, false)
		if statusW > 0 {
			s += " " + common.Pad(e, statusW, false)
		}
		return s
	}
	lines = append(lines, st.Header.Render(common.Pad(cols("VER", "CREATED", "RUN", "ALIASES", "STATUS"), w, false)))
	if len(m.models) == 0 && m.modelsSeq > 0 && !m.loadingModels && m.err == nil {
		lines = append(lines, st.Subtle.Render(common.Pad("No registered models. Register one with", w, false)),
			st.Subtle.Render(common.Pad("  lathe models register RUN --path PATH --name NAME", w, false)))
	}
	if len(m.versions) == 0 && m.model() != nil && !m.loadingVersions {
		lines = append(lines, st.Subtle.Render(common.Pad("no versions", w, false)))
	}
	rows := h - 2
	for i := window(m.vCur, rows); i < len(m.versions) && len(lines) < h; i++ {
		v := m.versions[i]
		run := ""
		if v.RunID != "" {
			run = common.ShortID(v.RunID)
			if n := m.runNames[v.RunID]; n != "" && runW < 26 {
				run = n // narrow: the name says more than the id
			} else if n != "" {
				run += " " + n
			}
		}
		line := cols(fmt.Sprintf("v%d", v.Version), common.FormatTime(v.CreationTime, m.c.Loc), run,
			strings.Join(v.Aliases, ","), v.Status)
		lines = append(lines, m.row(line, w, i == m.vCur, m.onVersions))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

func (m *Model) metricsView(w, h int) string {
	st := m.c.Styles
	v := m.version()
	title := "METRICS AT REGISTRATION"
	if m.run != nil {
		title += " · run " + common.ShortID(m.run.ID) + " " + m.run.Name
	}
	lines := []string{"", st.Title.Render(common.Pad(title, w, false))}
	switch {
	case v == nil:
	case v.RunID == "":
		lines = append(lines, st.Subtle.Render("this version records no run"))
	case m.run == nil:
		lines = append(lines, st.Subtle.Render("loading…"))
	case len(m.run.Metrics) == 0:
		lines = append(lines, st.Subtle.Render("the run logged no metrics"))
	default:
		const numW, countW = 10, 6
		keyW := min(max(w-3*numW-countW-4, 8), 40)
		cols := func(a, b, c, d, e string) string {
			return common.Pad(a, keyW, false) + " " + common.Pad(b, numW, true) + " " + common.Pad(c, numW, true) + " " +
				common.Pad(d, numW, true) + " " + common.Pad(e, countW, true)
		}
		lines = append(lines, st.Header.Render(common.Pad(cols("KEY", "LAST", "MIN", "MAX", "POINTS"), w, false)))
		ms := append([]store.MetricSummary(nil), m.run.Metrics...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].Key < ms[j].Key })
		for _, s := range ms {
			lines = append(lines, st.Text.Render(common.Pad(cols(s.Key, common.FormatValue(s.Last), common.FormatValue(s.Min),
				common.FormatValue(s.Max), fmt.Sprint(s.Count)), w, false)))
		}
	}
	if m.run != nil && len(m.runData) > 0 {
		lines = append(lines, "", st.Title.Render(common.Pad("TRAINED ON", w, false)))
		for _, d := range m.runData {
			status := d.ValidationStatus
			if status == "" {
				status = "not validated"
			}
			lines = append(lines, st.Text.Render(common.Truncate(fmt.Sprintf("%s  %s  %s rows  validation %s",
				d.Ref(), d.ShortDigest(), common.FormatCount(d.Rows), status), w)))
		}
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}
