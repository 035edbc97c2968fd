package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/monitor/profile"
	tabular "github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/monitor/validate"
	"github.com/lathe-ml/lathe/store"
)

// dataVersionOut is a version in --json output (docs/data.md).
type dataVersionOut struct {
	Name             string           `json:"name"`
	Version          int64            `json:"version"`
	Ref              string           `json:"ref"`
	Digest           string           `json:"digest"`
	Format           string           `json:"format"`
	Message          string           `json:"message"`
	Source           string           `json:"source"`
	Rows             int64            `json:"rows"`
	Size             int64            `json:"size"`
	Created          jsonTime         `json:"created"`
	Aliases          []string         `json:"aliases"`
	ValidationStatus string           `json:"validation_status"`
	Files            []store.DataFile `json:"files,omitempty"`
}

func toDataVersionOut(v *store.DataVersion) dataVersionOut {
	out := dataVersionOut{Name: v.Name, Version: v.Version, Ref: v.Ref(), Digest: v.Digest, Format: v.Format,
		Message: v.Message, Source: v.Source, Rows: v.Rows, Size: v.Size, Created: jsonTime(v.Created),
		Aliases: v.Aliases, ValidationStatus: v.ValidationStatus, Files: v.Files}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	return out
}

func newDataLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [NAME]",
		Short: "List datasets, or the versions of one",
		Long: `Without NAME, list every dataset: its number of versions, the latest version's
format, rows and size, its aliases, the latest version's validation status
and when it last changed. With NAME, list that dataset's versions, newest
first, with their digests, aliases, validation status and messages.`,
		Example: `  lathe data ls
  lathe data ls retail
  lathe data ls --json | jq -r '.[].name'`,
		Args:              rangeArgs(0, 1, "at most one dataset NAME"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				if len(args) == 1 {
					vs, err := st.DataVersions(ctx, args[0])
					if err != nil {
						return err
					}
					return a.printDataVersions(vs)
				}
				sets, err := st.DataSets(ctx)
				if err != nil {
					return err
				}
				return a.printDataSets(sets)
			})
		},
	}
}

func (a *app) printDataSets(sets []*store.DataSet) error {
	if a.json {
		type setOut struct {
			Name     string           `json:"name"`
			Versions int64            `json:"versions"`
			Latest   *dataVersionOut  `json:"latest"`
			Aliases  map[string]int64 `json:"aliases"`
			Updated  jsonTime         `json:"updated"`
		}
		out := make([]setOut, 0, len(sets))
		for _, ds := range sets {
			o := setOut{Name: ds.Name, Versions: ds.Versions, Aliases: ds.Aliases, Updated: jsonTime(ds.Updated)}
			if o.Aliases == nil {
				o.Aliases = map[string]int64{}
			}
			if ds.Latest != nil {
				l := toDataVersionOut(ds.Latest)
				o.Latest = &l
			}
			out = append(out, o)
		}
		return writeJSON(a.env.Stdout, out)
	}
	if len(sets) == 0 {
		fmt.Fprintln(a.env.Stdout, "no datasets yet: lathe data add FILE")
		return nil
	}
	s := a.style()
	t := &table{header: []string{"NAME", "VERSIONS", "LATEST", "FORMAT", "ROWS", "SIZE", "ALIASES", "VALIDATION", "UPDATED"}}
	for _, ds := range sets {
		var als []string
		for _, al := range store.SortedKeys(aliasText(ds.Aliases)) {
			als = append(als, al+"="+itoa(ds.Aliases[al]))
		}
		l := ds.Latest
		if l == nil {
			l = &store.DataVersion{}
		}
		t.addText(ds.Name, itoa(ds.Versions), itoa(l.Version), l.Format, humanCount(l.Rows), fmtBytes(l.Size),
			strings.Join(als, " "), validationText(s, l.ValidationStatus), fmtTimeShort(ds.Updated, a.env.loc()))
	}
	t.render(a.env.Stdout, s)
	return nil
}

func aliasText(m map[string]int64) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = itoa(v)
	}
	return out
}

func validationText(s style, status string) string {
	switch status {
	case store.ValidationPassed:
		return s.green("passed")
	case store.ValidationFailed:
		return s.red("FAILED")
	}
	return "-"
}

func (a *app) printDataVersions(vs []*store.DataVersion) error {
	if a.json {
		out := make([]dataVersionOut, len(vs))
		for i, v := range vs {
			out[i] = toDataVersionOut(v)
		}
		return writeJSON(a.env.Stdout, out)
	}
	s := a.style()
	t := &table{header: []string{"REF", "CREATED", "FORMAT", "ROWS", "SIZE", "DIGEST", "ALIASES", "VALIDATION", "MESSAGE"}}
	for _, v := range vs {
		t.addText(v.Ref(), fmtTimeShort(v.Created, a.env.loc()), v.Format, humanCount(v.Rows), fmtBytes(v.Size),
			v.ShortDigest(), strings.Join(v.Aliases, " "), validationText(s, v.ValidationStatus), truncate(oneLine(v.Message), 50))
	}
	t.render(a.env.Stdout, s)
	return nil
}

// decodeProfile reads a version's stored profile (nil when it has none).
func decodeProfile(v *store.DataVersion) (*profile.Result, error) {
	if v.Profile == "" {
		return nil, nil
	}
	var p profile.Result
	if err := json.Unmarshal([]byte(v.Profile), &p); err != nil {
		return nil, fmt.Errorf("%s: the stored profile does not decode: %w", v.Ref(), err)
	}
	return &p, nil
}

func newDataShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show REF",
		Short: "Show a version's files, schema and per-column profile",
		Long: `Show a dataset version: its files, digest, validation status, the runs that
used it, and per column: type, count, nulls, distinct, min, max, mean, std and
quantiles. --json prints the profile with one object per column named
name, type, count, nulls, distinct, min, max, mean, std, p1, p5, p25, p50, p75,
p95, p99, histogram and top.

` + dataRefHelp,
		Example: `  lathe data show retail
  lathe data show retail@reference --json | jq '.columns[] | {name, nulls}'`,
		Args:              exactArgs(1, "one dataset REF"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				v, err := st.DataVersion(ctx, args[0])
				if err != nil {
					return err
				}
				p, err := decodeProfile(v)
				if err != nil {
					return err
				}
				runs, err := st.DataVersionRuns(ctx, v.Ref())
				if err != nil {
					return err
				}
				return a.printDataShow(v, p, runs)
			})
		},
	}
}

func (a *app) printDataShow(v *store.DataVersion, p *profile.Result, runs []string) error {
	if a.json {
		out := struct {
			dataVersionOut
			Columns    []profile.Column `json:"columns"`
			Warnings   []string         `json:"warnings"`
			Exact      bool             `json:"exact"`
			Validation json.RawMessage  `json:"validation"`
			Runs       []string         `json:"runs"`
		}{dataVersionOut: toDataVersionOut(v), Columns: []profile.Column{}, Warnings: []string{}, Runs: runs}
		if p != nil {
			out.Columns, out.Exact = p.Columns, p.Exact
			if p.Warnings != nil {
				out.Warnings = p.Warnings
			}
		}
		if v.Validation != "" {
			out.Validation = json.RawMessage(v.Validation)
		} else {
			out.Validation = json.RawMessage("null")
		}
		if out.Runs == nil {
			out.Runs = []string{}
		}
		return writeJSON(a.env.Stdout, out)
	}
	w, s := a.env.Stdout, a.style()
	fmt.Fprintln(w, strings.TrimSpace(s.bold(v.Ref())+"  "+strings.Join(prefixAll(v.Aliases, "@"), " ")))
	fmt.Fprintf(w, "  digest     %s\n  format     %s, %s rows, %s in %s\n  created    %s\n",
		v.Digest, v.Format, humanCount(v.Rows), fmtBytes(v.Size), plural(len(v.Files), "file"), fmtTimeLong(v.Created, a.env.loc()))
	if v.Message != "" {
		fmt.Fprintf(w, "  message    %s\n", oneLine(v.Message))
	}
	if v.Source != "" {
		fmt.Fprintf(w, "  source     %s\n", v.Source)
	}
	fmt.Fprintf(w, "  validation %s\n", validationText(s, v.ValidationStatus))
	if len(runs) > 0 {
		short := make([]string, len(runs))
		for i, r := range runs {
			short[i] = shortID(r)
		}
		fmt.Fprintf(w, "  used by    %s: %s\n", plural(len(runs), "run"), strings.Join(short, " "))
	}
	if p == nil {
		return nil
	}
	fmt.Fprintln(w)
	t := &table{header: []string{"COLUMN", "TYPE", "COUNT", "NULLS", "DISTINCT", "MIN", "MAX", "MEAN", "STD", "P50", "TOP"}}
	for _, c := range p.Columns {
		distinct := humanCount(c.Distinct)
		if !c.DistinctExact {
			distinct = "~" + distinct
		}
		var top []string
		for i, tv := range c.Top {
			if i == 3 {
				break
			}
			top = append(top, fmt.Sprintf("%s(%d)", truncate(tv.Value, 12), tv.Count))
		}
		t.addText(c.Name, string(c.Type), humanCount(c.Count), humanCount(c.Nulls), distinct,
			boundText(c.Min), boundText(c.Max), numText(c.Mean), numText(c.Std), numText(c.P50), strings.Join(top, " "))
	}
	t.render(w, s)
	if !p.Exact {
		fmt.Fprintln(w, s.dim("quantiles are estimates (the values did not fit the memory budget): see docs/data.md"))
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "%s %s\n", s.dim("warning:"), warn)
	}
	return nil
}

func prefixAll(xs []string, p string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

func numText(n *profile.Num) string {
	if n == nil {
		return ""
	}
	return fmtFloat(float64(*n))
}

func boundText(b *profile.Bound) string {
	if b == nil {
		return ""
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return ""
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return fmtFloat(f)
	}
	var txt string
	if json.Unmarshal(raw, &txt) == nil {
		return truncate(txt, 20)
	}
	return string(raw)
}

func newDataHeadCmd(a *app) *cobra.Command {
	var n int
	c := &cobra.Command{
		Use:   "head REF [-n 20]",
		Short: "Print a version's first rows",
		Long: `Print the first rows of a dataset version as a table (--csv for CSV, --json
for one object per row with null for missing values).

` + dataRefHelp,
		Example: `  lathe data head retail -n 5
  lathe data head retail:2 --json | jq '.[0]'`,
		Args:              exactArgs(1, "one dataset REF"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 0 {
				return usagef("-n must not be negative")
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				v, err := st.DataVersion(ctx, args[0])
				if err != nil {
					return err
				}
				r, err := openVersion(ctx, st, v)
				if err != nil {
					return err
				}
				defer r.Close()
				return a.printHead(r, n)
			})
		},
	}
	c.Flags().IntVarP(&n, "lines", "n", 20, "number of rows")
	return c
}

func (a *app) printHead(r tabular.Reader, n int) error {
	cols := r.Columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	var rows [][]string
	var nulls [][]bool
	for len(rows) < n {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		row := make([]string, len(rec.Fields))
		for i, f := range rec.Fields {
			row[i] = strings.Clone(f) // fields point into the reader's buffers
		}
		rows = append(rows, row)
		nulls = append(nulls, append([]bool(nil), rec.Null...))
	}
	if a.json {
		out := make([]map[string]any, len(rows))
		for i, row := range rows {
			m := make(map[string]any, len(row))
			for j, f := range row {
				if j < len(nulls[i]) && nulls[i][j] {
					m[names[j]] = nil
				} else {
					m[names[j]] = f
				}
			}
			out[i] = m
		}
		return writeJSON(a.env.Stdout, out)
	}
	t := &table{header: names}
	for _, row := range rows {
		cells := make([]string, len(row))
		for j, f := range row {
			cells[j] = truncate(oneLine(f), 30)
		}
		t.addText(cells...)
	}
	t.render(a.env.Stdout, a.style())
	return nil
}

func newDataGetCmd(a *app) *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "get REF -o PATH",
		Short: "Write a version's files out of the store",
		Long: `Write the files of a dataset version to PATH: a version of one file is
written as the file PATH (or into PATH when it is an existing directory); a
version of several files into the directory PATH. Files are written to a
temporary name and renamed, and existing files are not overwritten unless
--force.

` + dataRefHelp,
		Example: `  lathe data get retail@reference -o reference.csv
  lathe data get events:3 -o events-v3/`,
		Args:              exactArgs(1, "one dataset REF"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("-o PATH is required")
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				v, err := st.DataVersion(ctx, args[0])
				if err != nil {
					return err
				}
				return a.dataGet(ctx, st, v, out, force)
			})
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "file or directory to write")
	c.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	return c
}

func (a *app) dataGet(ctx context.Context, st *store.Store, v *store.DataVersion, out string, force bool) error {
	fi, statErr := os.Stat(out)
	isDir := statErr == nil && fi.IsDir()
	for _, f := range v.Files {
		dst := out
		if len(v.Files) > 1 || isDir || strings.HasSuffix(out, "/") {
			dst = filepath.Join(out, filepath.FromSlash(f.Path))
		}
		if _, err := os.Stat(dst); err == nil && !force {
			return fmt.Errorf("%s exists; use --force to overwrite it, or choose another -o", dst)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		src, err := st.OpenBlob(f.Hash)
		if err != nil {
			return err
		}
		prog := a.newProgress("writing "+f.Path, f.Size)
		err = writeFileAtomic(ctx, dst, io.TeeReader(src, prog))
		prog.finish()
		src.Close()
		if err != nil {
			return err
		}
		if !a.json {
			fmt.Fprintf(a.env.Stdout, "wrote %s (%s)\n", dst, fmtBytes(f.Size))
		}
	}
	if a.json {
		return writeJSON(a.env.Stdout, toDataVersionOut(v))
	}
	return nil
}

func writeFileAtomic(ctx context.Context, dst string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return nil
}

func newDataAliasCmd(a *app) *cobra.Command {
	var rm bool
	c := &cobra.Command{
		Use:   "alias REF ALIAS | alias --rm NAME@ALIAS",
		Short: "Point an alias at a version, or remove one",
		Long: `Point NAME@ALIAS at the version REF names (moving it if it pointed at
another), or with --rm remove it. Aliases name the versions that matter
(reference, training, production) so that commands and rules can use
NAME@ALIAS instead of a number. Aliases hold letters, digits, '_' and '-';
"latest" and version-like names ("v3") are reserved.

` + dataRefHelp,
		Example: `  lathe data alias retail:1 reference
  lathe data alias --rm retail@reference`,
		Args: func(cmd *cobra.Command, args []string) error {
			if rm {
				return exactArgs(1, "one NAME@ALIAS to remove")(cmd, args)
			}
			return exactArgs(2, "a dataset REF and an ALIAS")(cmd, args)
		},
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				if rm {
					r, err := store.ParseDataRef(args[0])
					if err != nil || r.Alias == "" {
						return usagef("--rm wants NAME@ALIAS, not %q", args[0])
					}
					if err := st.DeleteDataAlias(ctx, r.Name, r.Alias); err != nil {
						return err
					}
					if !a.json {
						fmt.Fprintf(a.env.Stdout, "removed %s\n", args[0])
					}
					return nil
				}
				v, err := st.SetDataAlias(ctx, args[0], args[1])
				if err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, toDataVersionOut(v))
				}
				fmt.Fprintf(a.env.Stdout, "%s@%s -> %s\n", v.Name, args[1], v.Ref())
				return nil
			})
		},
	}
	c.Flags().BoolVar(&rm, "rm", false, "remove the alias NAME@ALIAS")
	return c
}

func newDataRmCmd(a *app) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "rm REF",
		Short: "Delete a dataset version (its bytes go at the next lathe gc)",
		Long: `Delete a dataset version and the aliases that point at it. Its files' bytes
stay in the store until 'lathe gc' frees the ones nothing references. A
version that runs used is kept unless --force (their lineage would point at
nothing). Deleting the last version removes the dataset.

` + dataRefHelp,
		Example: `  lathe data rm retail:1
  lathe data rm retail:1 --force && lathe gc`,
		Args:              exactArgs(1, "one dataset REF"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				v, err := st.DeleteDataVersion(ctx, args[0], force)
				if err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, toDataVersionOut(v))
				}
				fmt.Fprintf(a.env.Stdout, "deleted %s (%s; run lathe gc to free unreferenced bytes)\n", v.Ref(), fmtBytes(v.Size))
				return nil
			})
		},
	}
	c.Flags().BoolVar(&force, "force", false, "delete even when runs used the version")
	return c
}

func newDataValidateCmd(a *app) *cobra.Command {
	var rulesPath string
	c := &cobra.Command{
		Use:   "validate REF --rules RULES.toml",
		Short: "Check a version against rules; exit 1 when any fails",
		Long: `Check a dataset version (or a file, when REF is a path) against the rules in
RULES.toml: per column not_null, unique, min, max, allowed, regex and type;
per dataset min_rows, max_rows and required_columns (docs/data.md). Each
failing rule is reported with a count and example rows (file and line). The
result is stored with the version; runs that use a failed version need
--force. Without --rules, the version's rules from lathe.toml are used.

` + dataRefHelp,
		Example: `  lathe data validate retail --rules rules.toml
  lathe data validate new-extract.csv --rules rules.toml --json`,
		Args:              exactArgs(1, "one dataset REF or file"),
		ValidArgsFunction: positional(false, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var rules *validate.Rules
			var err error
			if rulesPath != "" {
				rules, err = validate.LoadRules(rulesPath)
				if err != nil {
					return err
				}
			}
			if fileArg(args[0]) {
				if rules == nil {
					return usagef("--rules is required to validate a file")
				}
				rep, err := validatePath(ctx, args[0], rules)
				if err != nil {
					return err
				}
				return a.printValidation(args[0], rep)
			}
			return a.withStore(ctx, func(st *store.Store) error {
				v, err := st.DataVersion(ctx, args[0])
				if err != nil {
					return err
				}
				if rules == nil {
					var file string
					rules, file, err = a.projectRules(v.Name)
					if err != nil {
						return err
					}
					if rules == nil {
						return usagef("no --rules given and no [data.%s] rules in lathe.toml", v.Name)
					}
					rulesPath = file
				}
				r, err := openVersion(ctx, st, v)
				if err != nil {
					return err
				}
				defer r.Close()
				rep, err := validate.Validate(ctx, r, rules, validate.Options{})
				if err != nil {
					return err
				}
				raw, _ := json.Marshal(rep)
				status := store.ValidationPassed
				if !rep.Passed {
					status = store.ValidationFailed
				}
				if err := st.SetDataValidation(ctx, v.Ref(), status, string(raw)); err != nil {
					return err
				}
				return a.printValidation(v.Ref(), rep)
			})
		},
	}
	c.Flags().StringVar(&rulesPath, "rules", "", "rules file (default: [data.NAME] in lathe.toml)")
	return c
}

// fileArg reports whether an argument names an existing file or directory
// rather than a dataset reference.
func fileArg(s string) bool {
	_, err := os.Stat(s)
	return err == nil
}

// errValidation makes lathe exit 1 after printing a failed report.
var errValidation = errors.New("validation failed")

func (a *app) printValidation(what string, rep *validate.Report) error {
	if a.json {
		if err := writeJSON(a.env.Stdout, rep); err != nil {
			return err
		}
	} else {
		s := a.style()
		if rep.Passed {
			fmt.Fprintf(a.env.Stdout, "%s: %s (%s rows)\n", what, s.green("passed"), humanCount(rep.Rows))
		} else {
			fmt.Fprintf(a.env.Stdout, "%s: %s\n", what, s.red("FAILED"))
			if err := rep.Write(a.env.Stdout); err != nil {
				return err
			}
		}
	}
	if !rep.Passed {
		return fmt.Errorf("%s: %w (%s)", what, errValidation, plural(len(rep.Failures), "rule"))
	}
	return nil
}
