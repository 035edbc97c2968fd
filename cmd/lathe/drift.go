package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/monitor/datadiff"
	"github.com/lathe-ml/lathe/monitor/drift"
	tabular "github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/store"
)

// driftFlags are the options 'lathe drift' and 'lathe data diff' share.
type driftFlags struct {
	columns     []string
	method      string
	threshold   float64
	failOnDrift bool
}

func (f *driftFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVar(&f.columns, "columns", nil, "compare only these columns (comma-separated; default: all shared)")
	fl.StringVar(&f.method, "method", "", "ks | wasserstein | psi | js | chisquare (default: Evidently's choice per column)")
	fl.Float64Var(&f.threshold, "threshold", 0, "drift threshold (default: 0.05 on p-values, 0.1 on distances)")
	fl.BoolVar(&f.failOnDrift, "fail-on-drift", false, "exit 1 when any column drifted")
	_ = c.RegisterFlagCompletionFunc("method", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"ks", "wasserstein", "psi", "js", "chisquare"}, cobra.ShellCompDirectiveNoFileComp
	})
}

func (f *driftFlags) options() (datadiff.Options, error) {
	m := drift.Method(f.method)
	switch m {
	case "", drift.MethodKS, drift.MethodWasserstein, drift.MethodPSI, drift.MethodJS, drift.MethodChiSquare:
	default:
		return datadiff.Options{}, usagef("--method %q: want ks, wasserstein, psi, js or chisquare", f.method)
	}
	if f.threshold < 0 {
		return datadiff.Options{}, usagef("--threshold must not be negative")
	}
	var cols []string
	for _, c := range f.columns {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	return datadiff.Options{Columns: cols, Method: m, Threshold: f.threshold}, nil
}

const driftHelp = `Each column is tested with Evidently's default unless --method is given: with
at most 1000 reference rows, Kolmogorov-Smirnov (numbers) or chi-square
(categories) at p < 0.05; with more, the normed Wasserstein distance >= 0.1
(numbers) or Jensen-Shannon distance >= 0.1 (categories). Values equal
scipy's (docs/drift.md).`

func newDriftCmd(a *app) *cobra.Command {
	var f driftFlags
	c := &cobra.Command{
		Use:   "drift REFERENCE CURRENT",
		Short: "Measure per-column drift between two files or dataset versions",
		Long: `Compare the columns of CURRENT with REFERENCE, each a data file (CSV, TSV,
JSONL, Parquet, gzip) or a dataset REF (NAME, NAME:N, NAME@ALIAS), and report
per column the method, statistic, p-value (for the tests), threshold and
whether it drifted, and the share of drifted columns.

` + driftHelp,
		Example: `  lathe drift retail@reference retail
  lathe drift january.csv february.csv --columns amount,segment
  lathe drift retail:1 retail:2 --method psi --json | jq '.columns[] | select(.drift)'`,
		Args:              exactArgs(2, "a REFERENCE and a CURRENT"),
		ValidArgsFunction: positional(true, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDiff(cmd.Context(), args[0], args[1], &f)
		},
	}
	f.add(c)
	return c
}

func newDataDiffCmd(a *app) *cobra.Command {
	var f driftFlags
	c := &cobra.Command{
		Use:   "diff REF REF",
		Short: "Schema changes, row counts and per-column drift between two versions",
		Long: `Compare two dataset versions (or files): columns added, removed or changed
in type, row counts, and per-column drift.

` + driftHelp + `

` + dataRefHelp,
		Example: `  lathe data diff retail@reference retail
  lathe data diff retail:1 retail:2 --json`,
		Args:              exactArgs(2, "two dataset REFs"),
		ValidArgsFunction: positional(true, a.dataRefs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDiff(cmd.Context(), args[0], args[1], &f)
		},
	}
	f.add(c)
	return c
}

// errDrift makes lathe exit 1 under --fail-on-drift.
var errDrift = errors.New("drift detected")

func (a *app) runDiff(ctx context.Context, refArg, curArg string, f *driftFlags) error {
	opt, err := f.options()
	if err != nil {
		return err
	}
	var st *store.Store
	if !fileArg(refArg) || !fileArg(curArg) {
		if st, err = a.open(ctx); err != nil {
			return err
		}
		defer st.Close()
	}
	ref, refName, err := openSide(ctx, st, refArg)
	if err != nil {
		return err
	}
	defer ref.Close()
	cur, curName, err := openSide(ctx, st, curArg)
	if err != nil {
		return err
	}
	defer cur.Close()
	prog := a.progress()
	prog.set("comparing %s with %s", curName, refName)
	rep, err := datadiff.Compare(ctx, ref, cur, opt)
	prog.done()
	if err != nil {
		return err
	}
	if a.json {
		out := struct {
			Reference string `json:"reference"`
			Current   string `json:"current"`
			*datadiff.Report
		}{refName, curName, rep}
		if err := writeJSON(a.env.Stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.env.Stdout, "reference %s, current %s\n", refName, curName)
		if err := rep.Write(a.env.Stdout); err != nil {
			return err
		}
	}
	if f.failOnDrift && rep.Drifted > 0 {
		return fmt.Errorf("%w in %d of %d columns", errDrift, rep.Drifted, len(rep.Columns))
	}
	return nil
}

// openSide opens a file, or a dataset version when the argument is not a
// path that exists.
func openSide(ctx context.Context, st *store.Store, arg string) (tabular.Reader, string, error) {
	if fileArg(arg) {
		r, err := tabular.Open(ctx, arg)
		return r, arg, err
	}
	if st == nil {
		return nil, "", fmt.Errorf("%s: no such file", arg)
	}
	v, err := st.DataVersion(ctx, arg)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
			return nil, "", fmt.Errorf("%s is neither a file nor a dataset version: %w", arg, err)
		}
		return nil, "", err
	}
	r, err := openVersion(ctx, st, v)
	return r, v.Ref(), err
}
