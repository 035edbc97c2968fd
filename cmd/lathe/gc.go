package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func newGCCmd(a *app) *cobra.Command {
	var opt store.GCOptions
	var olderThan string
	c := &cobra.Command{
		Use:   "gc",
		Short: "Free the disk of deleted runs and unreferenced files",
		Long: `Hard-delete the runs in the deleted stage ('lathe runs rm', or a deleted
experiment) with everything they logged: metric points, params, tags, inputs,
lineage and artifact records. Runs that a registered model version uses are
kept. Then remove artifact bytes nothing references any more, files under
objects/ the database does not know (older than an hour, so uploads in flight
are safe), and partial uploads older than an hour. The audit events stay.

--dry-run says what would be freed and changes nothing. --older-than keeps
runs deleted more recently (e.g. 7d, 12h). --vacuum also rewrites lathe.db so
that the space of deleted rows returns to the file system (this needs as much
free space as the database takes, and holds writers off while it runs).

gc is safe while other lathe processes and servers use the store.`,
		Example: `  lathe gc --dry-run
  lathe gc
  lathe gc --older-than 30d --vacuum
  lathe gc --json | jq .bytes_freed`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if olderThan != "" {
				d, err := parseAge(olderThan)
				if err != nil {
					return usagef("--older-than: %v", err)
				}
				opt.OlderThan = d
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				prog := a.newProgress("gc", 0)
				defer prog.finish()
				opt.Progress = func(p store.GCProgress) {
					prog.label = "gc: " + p.Phase
					prog.set(int64(p.Done), int64(p.Total))
				}
				rep, err := st.GC(ctx, opt)
				prog.finish()
				if err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, gcJSON(rep))
				}
				a.printGC(rep)
				return nil
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&opt.DryRun, "dry-run", "n", false, "report what would be freed; change nothing")
	f.StringVar(&olderThan, "older-than", "", "purge only runs deleted at least this long ago (e.g. 7d, 36h)")
	f.BoolVar(&opt.Vacuum, "vacuum", false, "also rewrite lathe.db to return the space of deleted rows")
	f.DurationVar(&opt.Settle, "settle", 0, "how long removed objects wait in the trash for late claims")
	_ = f.MarkHidden("settle")
	return c
}

// parseAge is time.ParseDuration that also takes days ("7d").
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 7d, 12h or 30m", s)
	}
	return d, nil
}

func gcJSON(r *store.GCReport) map[string]any {
	kept, problems := r.RunsKept, r.Problems
	if kept == nil {
		kept = []string{}
	}
	if problems == nil {
		problems = []string{}
	}
	return map[string]any{
		"dry_run": r.DryRun, "runs_purged": r.RunsPurged, "runs_kept": kept,
		"metric_points": r.MetricPoints, "artifact_files": r.ArtifactFiles,
		"blobs": r.Blobs, "blob_bytes": r.BlobBytes, "input_dirs": r.InputDirs, "orphan_files": r.OrphanFiles, "orphan_bytes": r.OrphanBytes,
		"temp_files": r.TempFiles, "temp_bytes": r.TempBytes, "restored": r.Restored,
		"bytes_freed": r.BytesFreed(), "db_bytes_before": r.DBBytesBefore, "db_bytes_after": r.DBBytesAfter,
		"problems": problems,
	}
}

func (a *app) printGC(r *store.GCReport) {
	w, s := a.env.Stdout, a.style()
	verb, free := "Purged", "Freed"
	if r.DryRun {
		verb, free = "Would purge", "Would free"
	}
	fmt.Fprintf(w, "%s %s (%s, %s)\n", verb, plural(r.RunsPurged, "deleted run"),
		plural(int(r.MetricPoints), "metric point"), plural(int(r.ArtifactFiles), "artifact file"))
	var parts []string
	for _, p := range []struct {
		n     int
		bytes int64
		what  string
	}{{r.Blobs, r.BlobBytes, "unreferenced object"}, {r.OrphanFiles, r.OrphanBytes, "stray file"},
		{r.TempFiles, r.TempBytes, "partial upload"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", plural(p.n, p.what), fmtBytes(p.bytes)))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = ": " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "%s %s%s\n", free, s.bold(fmtBytes(r.BytesFreed())), detail)
	if r.DBBytesAfter > 0 {
		fmt.Fprintf(w, "Database: %s -> %s\n", fmtBytes(r.DBBytesBefore), fmtBytes(r.DBBytesAfter))
	}
	if len(r.RunsKept) > 0 {
		ids := make([]string, len(r.RunsKept))
		for i, id := range r.RunsKept {
			ids[i] = shortID(id)
		}
		fmt.Fprintf(w, "Kept %s that a model version uses: %s\n", plural(len(ids), "deleted run"), strings.Join(ids, " "))
	}
	if r.Restored > 0 {
		fmt.Fprintf(w, "Put back %s that a concurrent write claimed\n", plural(r.Restored, "object"))
	}
	for _, p := range r.Problems {
		fmt.Fprintf(a.env.Stderr, "lathe: warning: %s\n", p)
	}
}

func newDuCmd(a *app) *cobra.Command {
	var opt store.UsageOptions
	c := &cobra.Command{
		Use:   "du",
		Short: "Show what uses the store's disk space",
		Long: `Show the size of the database (and the free pages a 'gc --vacuum' would
return), of objects/ (artifact bytes, stored once per content), then per
experiment and for the largest runs: artifact files and bytes (as logged:
equal files count each time) and metric points. What 'lathe gc' would free
comes last. --tables adds the bytes of each database table and index (slow
on a large store: it reads the whole file).`,
		Example: `  lathe du
  lathe du --runs 50 --tables
  lathe du --json | jq '.runs[0]'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				u, err := st.DiskUsage(ctx, opt)
				if err != nil {
					return err
				}
				plan, err := st.GC(ctx, store.GCOptions{DryRun: true})
				if err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, duJSON(u, plan))
				}
				a.printDu(st.Dir(), u, plan)
				return nil
			})
		},
	}
	c.Flags().IntVar(&opt.TopRuns, "runs", 20, "list this many of the largest runs (-1: all)")
	c.Flags().BoolVar(&opt.Tables, "tables", false, "also measure each database table and index")
	return c
}

func duJSON(u *store.Usage, plan *store.GCReport) map[string]any {
	exps := make([]map[string]any, 0, len(u.Experiments))
	for _, e := range u.Experiments {
		exps = append(exps, map[string]any{"experiment_id": e.ID, "name": e.Name, "lifecycle_stage": e.Stage,
			"runs": e.Runs, "deleted_runs": e.DeletedRuns, "artifact_files": e.ArtifactFiles,
			"artifact_bytes": e.ArtifactBytes, "metric_points": e.MetricPoints})
	}
	runs := make([]map[string]any, 0, len(u.Runs))
	for _, r := range u.Runs {
		runs = append(runs, map[string]any{"run_id": r.ID, "run_name": r.Name, "experiment_id": r.ExperimentID,
			"lifecycle_stage": r.Stage, "artifact_files": r.ArtifactFiles, "artifact_bytes": r.ArtifactBytes,
			"metric_points": r.MetricPoints})
	}
	tables := make([]map[string]any, 0, len(u.Tables))
	for _, t := range u.Tables {
		tables = append(tables, map[string]any{"name": t.Name, "bytes": t.Bytes})
	}
	return map[string]any{
		"db_bytes": u.DBBytes, "db_free_bytes": u.DBFreeBytes, "tables": tables,
		"objects_bytes": u.ObjectsBytes, "object_files": u.ObjectFiles,
		"blob_bytes": u.BlobBytes, "blobs": u.Blobs, "unreferenced_bytes": u.UnreferencedBytes, "unreferenced": u.Unreferenced,
		"temp_bytes": u.TempBytes, "temp_files": u.TempFiles, "run_count": u.RunCount,
		"experiments": exps, "runs": runs, "gc": gcJSON(plan),
	}
}

func (a *app) printDu(dir string, u *store.Usage, plan *store.GCReport) {
	w, s := a.env.Stdout, a.style()
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	fmt.Fprintf(w, "%s %s\n", s.bold("Store"), dir)
	fmt.Fprintf(w, "  database  %s (%s free inside)\n", fmtBytes(u.DBBytes), fmtBytes(u.DBFreeBytes))
	fmt.Fprintf(w, "  objects   %s in %s: %s referenced, %s unreferenced, %s partial uploads\n",
		fmtBytes(u.ObjectsBytes), plural(int(u.ObjectFiles), "file"), fmtBytes(u.BlobBytes), fmtBytes(u.UnreferencedBytes), fmtBytes(u.TempBytes))
	if len(u.Tables) > 0 {
		t := &table{header: []string{"TABLE", "BYTES"}, right: []bool{false, true}}
		for _, tb := range u.Tables {
			t.addText(tb.Name, fmtBytes(tb.Bytes))
		}
		fmt.Fprintln(w)
		t.render(w, s)
	}
	t := &table{header: []string{"EXPERIMENT", "NAME", "RUNS", "DELETED", "FILES", "ARTIFACTS", "POINTS"},
		right: []bool{true, false, true, true, true, true, true}, max: 40}
	for _, e := range u.Experiments {
		t.addText(strconv.FormatInt(e.ID, 10), e.Name, num(e.Runs), num(e.DeletedRuns), num(e.ArtifactFiles), fmtBytes(e.ArtifactBytes), num(e.MetricPoints))
	}
	fmt.Fprintln(w)
	t.render(w, s)
	if len(u.Runs) > 0 {
		t = &table{header: []string{"RUN", "NAME", "EXPERIMENT", "STAGE", "FILES", "ARTIFACTS", "POINTS"},
			right: []bool{false, false, true, false, true, true, true}, max: 40}
		for _, r := range u.Runs {
			t.addText(shortID(r.ID), r.Name, strconv.FormatInt(r.ExperimentID, 10), r.Stage, num(r.ArtifactFiles), fmtBytes(r.ArtifactBytes), num(r.MetricPoints))
		}
		fmt.Fprintf(w, "\n%s\n", s.dim(fmt.Sprintf("Largest %d of %s", len(u.Runs), plural(u.RunCount, "run"))))
		t.render(w, s)
	}
	if plan.RunsPurged > 0 || plan.BytesFreed() > 0 {
		fmt.Fprintf(w, "\n'lathe gc' would purge %s and free %s (see 'lathe gc --dry-run')\n", plural(plan.RunsPurged, "deleted run"), fmtBytes(plan.BytesFreed()))
	}
}
