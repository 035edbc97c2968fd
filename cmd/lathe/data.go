package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/monitor/profile"
	tabular "github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/monitor/validate"
	"github.com/lathe-ml/lathe/store"
)

// The `lathe data` commands: versioned, profiled, validated datasets.

const dataRefHelp = `REF names a dataset version as NAME (the latest version), NAME:N (version N)
or NAME@ALIAS (the version ALIAS points at, e.g. retail@reference).`

// projectFile is the project configuration file, looked for from the
// working directory upward. Its [data.NAME] tables hold validation rules
// run on every 'lathe data add' of dataset NAME.
const projectFile = "lathe.toml"

func newDataCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:     "data",
		Aliases: []string{"dataset", "datasets"},
		Short:   "Version, profile, validate and compare datasets",
		Long: `Datasets are versioned files: 'lathe data add' stores a CSV, TSV, Parquet or
JSONL file (gzip-compressed CSV, TSV and JSONL too), or a directory of such
files, as the next version of a dataset, content-addressed by SHA-256 (the
same bytes are stored once), and computes its schema and profile once. Rules
in lathe.toml ([data.NAME]) validate each new version; 'lathe run --input REF'
hands versions to jobs and records the lineage.

` + dataRefHelp,
		Example: `  lathe data add customers.csv --alias reference
  lathe data ls
  lathe data show customers
  lathe data head customers@reference -n 5
  lathe data diff customers@reference customers
  lathe data validate customers --rules rules.toml
  lathe run --input customers -- python train.py`,
		Args: groupArgs,
		RunE: groupRunE,
	}
	c.AddCommand(newDataAddCmd(a), newDataLsCmd(a), newDataShowCmd(a), newDataHeadCmd(a), newDataDiffCmd(a),
		newDataGetCmd(a), newDataAliasCmd(a), newDataRmCmd(a), newDataValidateCmd(a))
	return c
}

// dataRefs completes dataset names, and NAME@ALIAS once '@' is typed.
func (a *app) dataRefs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ctx := cmdContext(cmd)
	st, ok := a.openExisting(ctx)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer st.Close()
	sets, err := st.DataSets(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, ds := range sets {
		if name, _, hasAlias := strings.Cut(toComplete, "@"); hasAlias && name == ds.Name {
			for al, v := range ds.Aliases {
				out = append(out, ds.Name+"@"+al+"\tversion "+itoa(v))
			}
		} else if strings.HasPrefix(ds.Name, toComplete) {
			out = append(out, ds.Name+"\t"+plural(int(ds.Versions), "version"))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// dataSource is what 'data add' reads: one file, or the files of a directory.
type dataSource struct {
	path   string
	format tabular.Format
	files  []string // absolute paths
	rels   []string // their paths in the version
}

func scanDataSource(path string) (*dataSource, error) {
	files, format, err := tabular.Files(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, err
	}
	src := &dataSource{path: path, format: format, files: files}
	for _, f := range files {
		src.rels = append(src.rels, filepath.Base(f))
	}
	return src, nil
}

// defaultDataName is a file's base name without its extensions
// (retail.csv.gz -> retail).
func defaultDataName(path string) string {
	base := filepath.Base(filepath.Clean(path))
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// projectRules reads the [data.NAME] rules of the nearest lathe.toml (nil
// when there is none, or it has no rules for name).
func (a *app) projectRules(name string) (*validate.Rules, string, error) {
	dir := a.env.Cwd
	for {
		p := filepath.Join(dir, projectFile)
		b, err := os.ReadFile(p)
		if err == nil {
			all, err := validate.ParseProject(p, b)
			if err != nil {
				return nil, p, err
			}
			return all[name], p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, "", nil
		}
		dir = parent
	}
}

type dataAddOut struct {
	Ref        string            `json:"ref"`
	Created    bool              `json:"created"`
	Version    dataVersionOut    `json:"version"`
	Stored     map[string]string `json:"stored"` // file -> dedup|reflink|copy
	Validation *validate.Report  `json:"validation,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
}

func newDataAddCmd(a *app) *cobra.Command {
	var name, message, alias string
	c := &cobra.Command{
		Use:   "add PATH [--name NAME] [-m MESSAGE] [--alias ALIAS]",
		Short: "Store a file or directory as the next version of a dataset",
		Long: `Store PATH (a CSV, TSV, Parquet or JSONL file, gzip-compressed CSV/TSV/JSONL,
or a directory of files of one format) as the next version of dataset NAME
(default: PATH's base name without extensions).

Each file is hashed (SHA-256) and stored once: bytes the store already holds
are not stored again ("dedup"), and new bytes are cloned (reflink) where the
file system allows, else copied. Adding exactly the files of the latest
version makes no new version. The schema and profile (types, nulls,
distinct, min/max/mean/std, quantiles, histograms, top values) are computed
once and kept with the version; rules for NAME in lathe.toml run too, and a
version that fails them is kept but marked failed (runs using it then need
--force), and lathe exits 1.

Nothing is recorded when the data cannot be read: the error names the file
and line.`,
		Example: `  lathe data add data/customers.csv --alias reference -m "January extract"
  lathe data add events/ --name events
  lathe data add retail.jsonl.gz --json | jq .ref`,
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := scanDataSource(args[0])
			if err != nil {
				return err
			}
			if name == "" {
				name = defaultDataName(args[0])
			}
			if err := store.ValidateDataName(name); err != nil {
				return usagef("--name: %v", err)
			}
			if alias != "" {
				if err := store.ValidateAlias(alias); err != nil {
					return usagef("--alias: %v", err)
				}
			}
			rules, rulesFile, err := a.projectRules(name)
			if err != nil {
				return err
			}
			return a.withStore(ctx, func(st *store.Store) error {
				return a.dataAdd(ctx, st, src, name, message, alias, rules, rulesFile)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "dataset name (default: PATH's base name without extensions)")
	f.StringVarP(&message, "message", "m", "", "what changed in this version")
	f.StringVar(&alias, "alias", "", "point ALIAS (e.g. reference) at the version")
	return c
}

// dataAdded is what addData did.
type dataAdded struct {
	version *store.DataVersion
	created bool
	stored  map[string]string // file -> store.StoredDedup|StoredReflink|StoredCopy
	profile *profile.Result
	report  *validate.Report // nil when no rules ran
	status  string
}

// addData profiles (and validates, when rules are given) src, stores its
// files and records the version. Everything is read before anything is
// recorded, so a file that does not parse changes nothing.
func (a *app) addData(ctx context.Context, st *store.Store, src *dataSource, name, message, alias string, rules *validate.Rules, prog *statusLine) (*dataAdded, error) {
	// One pass over the data profiles it and, through a Checker, checks
	// the rules.
	prog.set("profiling %s", src.path)
	r, err := tabular.Open(ctx, src.path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var checker *validate.Checker
	if rules != nil {
		if checker, err = validate.NewChecker(r, rules, validate.Options{}); err != nil {
			return nil, err
		}
		r = checker
	}
	prof, err := profile.Profile(ctx, r, profile.Options{Progress: func(rows int64) {
		prog.set("profiling %s: %s rows", src.path, humanCount(rows))
	}})
	if err != nil {
		return nil, err
	}
	res := &dataAdded{profile: prof, stored: map[string]string{}, status: store.ValidationNone}
	if checker != nil {
		res.report = checker.Report()
		res.status = store.ValidationPassed
		if !res.report.Passed {
			res.status = store.ValidationFailed
		}
	}
	// The bytes go in first, unreferenced until the version is recorded.
	files := make([]store.DataFile, len(src.files))
	for i, p := range src.files {
		var total int64
		if fi, err := os.Stat(p); err == nil {
			total = fi.Size()
		}
		b, how, err := st.PutBlobFile(ctx, p, func(done int64) { prog.set("hashing %s: %s", src.rels[i], pct(done, total)) })
		if err != nil {
			return nil, err
		}
		files[i] = store.DataFile{Path: src.rels[i], Hash: b.Hash, Size: b.Size}
		res.stored[src.rels[i]] = how
	}
	schema, _ := json.Marshal(schemaOf(prof))
	profJSON, err := json.Marshal(prof)
	if err != nil {
		return nil, fmt.Errorf("encode the profile: %w", err)
	}
	var valJSON []byte
	if res.report != nil {
		valJSON, _ = json.Marshal(res.report)
	}
	abs, _ := filepath.Abs(src.path)
	res.version, res.created, err = st.AddDataVersion(ctx, store.DataVersionCreate{Name: name, Message: message, Source: abs,
		Format: string(src.format), Alias: alias, Rows: prof.Rows, Files: files, Schema: string(schema),
		Profile: string(profJSON), Validation: string(valJSON), ValidationStatus: res.status})
	if err != nil {
		return nil, err
	}
	if !res.created && res.report != nil && res.version.ValidationStatus != res.status {
		// The same bytes checked against other rules: keep the newest result.
		if err := st.SetDataValidation(ctx, res.version.Ref(), res.status, string(valJSON)); err != nil {
			return nil, err
		}
		res.version.ValidationStatus = res.status
	}
	return res, nil
}

func (a *app) dataAdd(ctx context.Context, st *store.Store, src *dataSource, name, message, alias string, rules *validate.Rules, rulesFile string) error {
	prog := a.progress()
	res, err := a.addData(ctx, st, src, name, message, alias, rules, prog)
	prog.done()
	if err != nil {
		return err
	}
	v := res.version
	if a.json {
		out := dataAddOut{Ref: v.Ref(), Created: res.created, Version: toDataVersionOut(v), Stored: res.stored,
			Validation: res.report, Warnings: res.profile.Warnings}
		if err := writeJSON(a.env.Stdout, out); err != nil {
			return err
		}
	} else {
		a.printDataAdd(v, res.created, res.stored, res.profile, res.report, rulesFile)
	}
	if res.status == store.ValidationFailed {
		return fmt.Errorf("%s failed validation against %s; runs that use it need --force", v.Ref(), rulesFile)
	}
	return nil
}

func (a *app) printDataAdd(v *store.DataVersion, created bool, stored map[string]string, prof *profile.Result, rep *validate.Report, rulesFile string) {
	w, s := a.env.Stdout, a.style()
	if !created {
		fmt.Fprintf(w, "%s unchanged: the same bytes as %s (digest %s); no new version\n", v.Name, s.bold(v.Ref()), v.ShortDigest())
	} else {
		fmt.Fprintf(w, "added %s  %s, %s, %s rows, %s columns, digest %s\n", s.bold(v.Ref()), v.Format,
			fmtBytes(v.Size), humanCount(v.Rows), itoa(int64(len(prof.Columns))), v.ShortDigest())
	}
	var names []string
	for n := range stored {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		how := stored[n]
		switch how {
		case store.StoredDedup:
			how = "already stored (same bytes): nothing copied"
		case store.StoredReflink:
			how = "cloned (reflink): no bytes copied"
		case store.StoredCopy:
			how = "copied"
		}
		fmt.Fprintf(w, "  %s: %s\n", n, how)
	}
	for _, al := range v.Aliases {
		fmt.Fprintf(w, "  alias %s@%s -> %s\n", v.Name, al, v.Ref())
	}
	for _, warn := range prof.Warnings {
		fmt.Fprintf(a.env.Stderr, "lathe: warning: %s\n", warn)
	}
	if rep != nil {
		if rep.Passed {
			fmt.Fprintf(w, "  validation (%s): %s\n", rulesFile, s.green("passed"))
		} else {
			fmt.Fprintf(w, "  validation (%s): %s\n", rulesFile, s.red("FAILED"))
			_ = rep.Write(w)
		}
	}
}

func validatePath(ctx context.Context, path string, rules *validate.Rules) (*validate.Report, error) {
	r, err := tabular.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return validate.Validate(ctx, r, rules, validate.Options{})
}

// schemaColumn is one column of a version's stored schema.
type schemaColumn struct {
	Name string       `json:"name"`
	Type tabular.Kind `json:"type"`
}

func schemaOf(p *profile.Result) []schemaColumn {
	out := make([]schemaColumn, len(p.Columns))
	for i, c := range p.Columns {
		out[i] = schemaColumn{Name: c.Name, Type: c.Type}
	}
	return out
}

// openVersion opens a stored version's files as one table, in path order.
func openVersion(ctx context.Context, st *store.Store, v *store.DataVersion) (tabular.Reader, error) {
	names := make([]string, len(v.Files))
	for i, f := range v.Files {
		names[i] = v.Ref() + "/" + f.Path
	}
	return tabular.OpenFiles(ctx, v.Ref(), names, func(i int) (*os.File, error) { return st.OpenBlob(v.Files[i].Hash) })
}
