package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

// The model registry commands. A model is named NAME (its latest version),
// NAME:N (version N) or NAME@ALIAS (the version the alias names): the
// grammar store.ParseModelRef reads, the same in every lathe command.

const modelsRefHelp = `MODEL arguments name a version as NAME (the latest version), NAME:N
(version N) or NAME@ALIAS (the version ALIAS points at). Model names may not
contain ':', '@' or '/'. Aliases hold letters, digits, '_' and '-'; "latest"
and version-like names ("v3") are reserved, as in MLflow.`

func newModelsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:     "models",
		Aliases: []string{"model"},
		Short:   "Register, list and show models and their versions",
		Long: `The model registry: a registered model is a name; registering files a run
produced adds its next version (1, 2, 3, ...; numbers are never reused) and
records where it came from, so 'lathe models show' can answer which run and
which datasets made it. Aliases (champion, staging, ...) name one version
each and move when set again. MLflow clients reach the same registry through
'lathe server' (mlflow.register_model, MlflowClient).

` + modelsRefHelp,
		Example: `  lathe models register 3f2a9c1e --path model --name churn --alias staging
  lathe models ls
  lathe models show churn
  lathe models alias churn@champion 3
  lathe models rm churn:1`,
		Args: groupArgs,
		RunE: groupRunE,
	}
	c.AddCommand(newModelsRegisterCmd(a), newModelsLsCmd(a), newModelsShowCmd(a), newModelsAliasCmd(a), newModelsRmCmd(a))
	return c
}

// The --json output of the models commands (documented in docs/registry.md).

type modelVersionOut struct {
	Name            string            `json:"name"`
	Version         int64             `json:"version"`
	Ref             string            `json:"ref"`
	Source          string            `json:"source"`
	StorageLocation string            `json:"storage_location"`
	RunID           string            `json:"run_id"`
	LoggedModelID   string            `json:"logged_model_id"`
	Status          string            `json:"status"`
	Description     string            `json:"description"`
	CreationTime    jsonTime          `json:"creation_time"`
	LastUpdatedTime jsonTime          `json:"last_updated_time"`
	Tags            map[string]string `json:"tags"`
	Aliases         []string          `json:"aliases"`
}

func toModelVersionOut(v *store.ModelVersion) modelVersionOut {
	out := modelVersionOut{Name: v.Name, Version: v.Version, Ref: v.Ref(), Source: v.Source, StorageLocation: v.StorageLocation,
		RunID: v.RunID, LoggedModelID: v.LoggedModelID, Status: v.Status, Description: v.Description,
		CreationTime: jsonTime(v.CreationTime), LastUpdatedTime: jsonTime(v.LastUpdatedTime), Tags: v.Tags, Aliases: v.Aliases}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	return out
}

type registeredModelOut struct {
	Name            string            `json:"name"`
	Description     string            `json:"description"`
	CreationTime    jsonTime          `json:"creation_time"`
	LastUpdatedTime jsonTime          `json:"last_updated_time"`
	LatestVersion   *int64            `json:"latest_version"`
	Tags            map[string]string `json:"tags"`
	Aliases         map[string]int64  `json:"aliases"`
}

func toRegisteredModelOut(m *store.RegisteredModel) registeredModelOut {
	out := registeredModelOut{Name: m.Name, Description: m.Description, CreationTime: jsonTime(m.CreationTime),
		LastUpdatedTime: jsonTime(m.LastUpdatedTime), Tags: m.Tags, Aliases: m.Aliases}
	if m.Latest != nil {
		out.LatestVersion = &m.Latest.Version
	}
	return out
}

type lineageRunOut struct {
	RunID        string `json:"run_id"`
	RunName      string `json:"run_name"`
	ExperimentID int64  `json:"experiment_id"`
	Status       string `json:"status"`
}

type lineageOut struct {
	Version  string         `json:"version"`
	Run      *lineageRunOut `json:"run"`
	Datasets []inputJSON    `json:"datasets"`
	// DataVersions are the lathe dataset versions (NAME:N) the run used.
	DataVersions []string `json:"data_versions"`
}

func toLineageOut(l *store.ModelLineage) lineageOut {
	out := lineageOut{Version: l.Version.Ref(), Datasets: []inputJSON{}, DataVersions: []string{}}
	for _, v := range l.DataVersions {
		out.DataVersions = append(out.DataVersions, v.Ref())
	}
	if l.Run != nil {
		out.Run = &lineageRunOut{RunID: l.Run.ID, RunName: l.Run.Name, ExperimentID: l.Run.ExperimentID, Status: l.Run.Status}
		out.Datasets = toRunJSON(&store.Run{Inputs: l.Datasets}, "").Inputs
	}
	return out
}

type modelShowOut struct {
	registeredModelOut
	Versions []modelVersionOut `json:"versions"`
	Lineage  *lineageOut       `json:"lineage"`
}

// modelNames completes registered model names (and NAME@ALIAS once an '@'
// is typed).
func (a *app) modelNames(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ctx := cmdContext(cmd)
	st, ok := a.openExisting(ctx)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer st.Close()
	ms, _, err := st.SearchRegisteredModels(ctx, store.RegistryQuery{MaxResults: 1000})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, m := range ms {
		if name, _, hasAlias := strings.Cut(toComplete, "@"); hasAlias && name == m.Name {
			for al, v := range m.Aliases {
				out = append(out, m.Name+"@"+al+"\tversion "+itoa(v))
			}
		} else if strings.HasPrefix(m.Name, toComplete) {
			desc := "no versions"
			if m.Latest != nil {
				desc = "latest version " + itoa(m.Latest.Version)
			}
			out = append(out, m.Name+"\t"+desc)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func newModelsRegisterCmd(a *app) *cobra.Command {
	var path, name, alias, desc string
	var tags []string
	c := &cobra.Command{
		Use:   "register RUN --path ARTIFACT_PATH --name NAME",
		Short: "Register files a run produced as the next version of a model",
		Long: `Register the artifacts under ARTIFACT_PATH of RUN (id, id prefix or name) as
the next version of the model NAME, creating the model if it does not exist
(as mlflow.register_model does). The version's source is
runs:/<run_id>/<ARTIFACT_PATH>; it records the run, and through it the
run's dataset inputs, as its lineage. --alias points an alias at the new
version (moving it if it named another).`,
		Example: `  lathe models register 3f2a9c1e --path model --name churn
  lathe models register baseline --path model --name churn --alias staging --description "first cut"
  lathe models register 3f2a --path model --name churn --json | jq .ref`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.All)),
		RunE: func(cmd *cobra.Command, args []string) error {
			clean, err := store.CleanArtifactPath(strings.Trim(path, "/"))
			if err != nil {
				return usagef("--path: %v", err)
			}
			if err := store.ValidateModelName(name); err != nil {
				return usagef("--name: %v", err)
			}
			if alias != "" {
				if err := store.ValidateAlias(alias); err != nil {
					return usagef("--alias: %v", err)
				}
			}
			kv, err := parseKV(tags, "--tag")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				if !hasArtifacts(ctx, st, r.ID, clean) {
					fmt.Fprintf(a.env.Stderr, "lathe: note: run %s has no artifacts under %q in this store; registering the reference anyway\n", shortID(r.ID), clean)
				}
				if _, err := st.CreateRegisteredModel(ctx, name, "", nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
					return err
				}
				v, err := st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: name, Source: "runs:/" + r.ID + "/" + clean,
					RunID: r.ID, Description: desc, UserID: a.env.getenv("USER"), Tags: kv})
				if err != nil {
					return fmt.Errorf("register %s: %w", name, err)
				}
				if alias != "" {
					if err := st.SetModelAlias(ctx, name, alias, v.Version); err != nil {
						return fmt.Errorf("registered %s but could not set alias %s: %w", v.Ref(), alias, err)
					}
					if v, err = st.GetModelVersion(ctx, name, v.Version); err != nil {
						return err
					}
				}
				if a.json {
					return writeJSON(a.env.Stdout, toModelVersionOut(v))
				}
				s := a.style()
				fmt.Fprintf(a.env.Stdout, "Registered %s from run %s (%s): %s\n", s.cyan(v.Ref()), shortID(r.ID), r.Name, v.Source)
				if alias != "" {
					fmt.Fprintf(a.env.Stdout, "%s now points at version %d\n", s.cyan(name+"@"+alias), v.Version)
				}
				return nil
			})
		},
	}
	f := c.Flags()
	f.StringVar(&path, "path", "", "artifact path of the model inside the run (required)")
	f.StringVar(&name, "name", "", "registered model name (required; created if missing)")
	f.StringVar(&alias, "alias", "", "point this alias at the new version")
	f.StringVar(&desc, "description", "", "description of the new version")
	f.StringArrayVar(&tags, "tag", nil, "set a tag KEY=VALUE on the new version (repeatable)")
	_ = c.MarkFlagRequired("path")
	_ = c.MarkFlagRequired("name")
	_ = c.RegisterFlagCompletionFunc("name", func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
		return a.modelNames(cmd, args, s)
	})
	return c
}

// hasArtifacts reports whether the run has an artifact at path or below it.
func hasArtifacts(ctx context.Context, st *store.Store, runID, path string) bool {
	if kids, err := st.ListArtifacts(ctx, runID, path); err == nil && len(kids) > 0 {
		return true
	}
	dir := ""
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir = path[:i]
	}
	sibs, err := st.ListArtifacts(ctx, runID, dir)
	if err != nil {
		return false
	}
	for _, f := range sibs {
		if f.Path == path {
			return true
		}
	}
	return false
}

func newModelsLsCmd(a *app) *cobra.Command {
	var filter string
	var limit int
	c := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List registered models",
		Long: `List registered models by name: latest version, aliases, last update and
description. --filter takes MLflow's registry filter: conditions joined by
AND on name (=, !=, LIKE, ILIKE) and tags.KEY.`,
		Example: `  lathe models ls
  lathe models ls --filter "name LIKE 'churn%'"
  lathe models ls --json | jq -r '.[].name'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return usagef("--limit must be positive, not %d", limit)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				var ms []*store.RegisteredModel
				q := store.RegistryQuery{Filter: filter, MaxResults: 1000}
				for {
					page, next, err := st.SearchRegisteredModels(ctx, q)
					if err != nil {
						return err
					}
					ms = append(ms, page...)
					if next == "" || (limit > 0 && len(ms) >= limit) {
						break
					}
					q.PageToken = next
				}
				if limit > 0 && len(ms) > limit {
					ms = ms[:limit]
				}
				if a.json {
					out := make([]registeredModelOut, len(ms))
					for i, m := range ms {
						out[i] = toRegisteredModelOut(m)
					}
					return writeJSON(a.env.Stdout, out)
				}
				if len(ms) == 0 {
					fmt.Fprintln(a.env.Stdout, "No registered models. Register one with: lathe models register RUN --path PATH --name NAME")
					return nil
				}
				s := a.style()
				t := &table{header: []string{"NAME", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION"}, max: 60}
				for _, m := range ms {
					latest := "-"
					if m.Latest != nil {
						latest = itoa(m.Latest.Version)
					}
					t.add(cell{text: m.Name, color: s.cyan}, cell{text: latest}, cell{text: aliasList(m.Aliases)},
						cell{text: fmtTimeShort(m.LastUpdatedTime, a.env.loc())}, cell{text: m.Description})
				}
				t.render(a.env.Stdout, s)
				return nil
			})
		},
	}
	c.Flags().StringVar(&filter, "filter", "", "MLflow registry filter, e.g. \"name LIKE 'churn%'\"")
	c.Flags().IntVar(&limit, "limit", 0, "list at most N models (0: all)")
	return c
}

// aliasList writes aliases as "champion=3 staging=4", sorted by alias.
func aliasList(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	var b strings.Builder
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + strconv.FormatInt(m[k], 10))
	}
	return b.String()
}

func newModelsShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show MODEL",
		Short: "Show a model's versions, aliases and lineage",
		Long: `Show the registered model MODEL names: its description, tags, aliases and
every version (source, run, aliases); then the lineage of one version (the
latest, or the one MODEL names as NAME:N or NAME@ALIAS): the run that
produced it and the datasets that run consumed.

` + modelsRefHelp,
		Example: `  lathe models show churn
  lathe models show churn@champion
  lathe models show churn:2 --json | jq '.lineage.datasets'`,
		Args:              exactArgs(1, "one MODEL"),
		ValidArgsFunction: positional(false, a.modelNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := store.ParseModelRef(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				m, err := st.GetRegisteredModel(ctx, ref.Name)
				if err != nil {
					return err
				}
				versions, err := allVersions(ctx, st, m.Name)
				if err != nil {
					return err
				}
				out := modelShowOut{registeredModelOut: toRegisteredModelOut(m), Versions: make([]modelVersionOut, len(versions))}
				for i, v := range versions {
					out.Versions[i] = toModelVersionOut(v)
				}
				var lin *store.ModelLineage
				if ref.Version > 0 || ref.Alias != "" || m.Latest != nil {
					v, err := st.ResolveModelRef(ctx, args[0])
					if err != nil {
						return err
					}
					if lin, err = st.ModelVersionLineage(ctx, v.Name, v.Version); err != nil {
						return err
					}
					lo := toLineageOut(lin)
					out.Lineage = &lo
				}
				if a.json {
					return writeJSON(a.env.Stdout, out)
				}
				a.showModel(a.env.Stdout, m, versions, lin)
				return nil
			})
		},
	}
}

// allVersions reads every version of a model, newest first.
func allVersions(ctx context.Context, st *store.Store, name string) ([]*store.ModelVersion, error) {
	var out []*store.ModelVersion
	q := store.RegistryQuery{Name: name}
	for {
		page, next, err := st.SearchModelVersions(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		q.PageToken = next
	}
}

// showModel writes the human view of a model and one version's lineage.
func (a *app) showModel(w io.Writer, m *store.RegisteredModel, versions []*store.ModelVersion, lin *store.ModelLineage) {
	s := a.style()
	loc := a.env.loc()
	section := func(title string) { fmt.Fprintf(w, "\n%s\n", s.bold(title)) }
	info := &table{}
	kv := func(k, v string, c colourFunc) {
		if v != "" {
			info.add(cell{text: k, color: s.dim}, cell{text: v, color: c})
		}
	}
	kv("Model", m.Name, s.cyan)
	kv("Description", m.Description, nil)
	kv("Created", fmtTimeLong(m.CreationTime, loc), nil)
	kv("Updated", fmtTimeLong(m.LastUpdatedTime, loc), nil)
	kv("Aliases", aliasList(m.Aliases), s.green)
	info.render(w, s)
	if len(m.Tags) > 0 {
		section(fmt.Sprintf("Tags (%d)", len(m.Tags)))
		t := &table{max: 100}
		for _, k := range store.SortedKeys(m.Tags) {
			t.addText("  "+k, m.Tags[k])
		}
		t.render(w, s)
	}
	section(fmt.Sprintf("Versions (%d)", len(versions)))
	if len(versions) == 0 {
		fmt.Fprintln(w, "  none yet: lathe models register RUN --path PATH --name "+m.Name)
	} else {
		t := &table{header: []string{"  VERSION", "CREATED", "RUN", "ALIASES", "SOURCE", "DESCRIPTION"}, max: 70}
		for _, v := range versions {
			t.add(cell{text: "  " + itoa(v.Version)}, cell{text: fmtTimeShort(v.CreationTime, loc)}, cell{text: shortID(v.RunID)},
				cell{text: strings.Join(v.Aliases, " "), color: s.green}, cell{text: v.Source}, cell{text: v.Description})
		}
		t.render(w, s)
	}
	if lin == nil {
		return
	}
	section("Lineage of " + lin.Version.Ref())
	if lin.Run == nil {
		fmt.Fprintln(w, "  no run recorded (registered from "+lin.Version.Source+")")
		return
	}
	r := lin.Run
	fmt.Fprintf(w, "  %s %s %s (%s)\n", s.dim("run"), r.ID, s.cyan(r.Name), s.status(r.Status))
	for _, v := range lin.DataVersions {
		fmt.Fprintf(w, "  %s %s %s, %s rows, validation %s\n", s.dim("data"), s.cyan(v.Ref()), v.ShortDigest(),
			humanCount(v.Rows), validationText(s, v.ValidationStatus))
	}
	if len(lin.Datasets) == 0 {
		fmt.Fprintf(w, "  %s\n", s.dim("the run logged no dataset inputs"))
		return
	}
	t := &table{max: 60}
	for _, in := range lin.Datasets {
		ctxTag := ""
		for _, tg := range in.Tags {
			if tg.Key == "mlflow.data.context" {
				ctxTag = tg.Value
			}
		}
		d := in.Dataset
		t.add(cell{text: "  dataset", color: s.dim}, cell{text: d.Name, color: s.cyan}, cell{text: d.Digest}, cell{text: ctxTag}, cell{text: d.Source})
	}
	t.render(w, s)
}

func newModelsAliasCmd(a *app) *cobra.Command {
	var del bool
	c := &cobra.Command{
		Use:   "alias NAME@ALIAS [VERSION]",
		Short: "Point an alias at a version, or delete it",
		Long: `Point ALIAS of the model NAME at VERSION, moving it if it named another
version; with --delete, remove the alias (VERSION is then not given). An
alias names one version; NAME@ALIAS then works wherever a MODEL is taken.`,
		Example: `  lathe models alias churn@champion 3
  lathe models alias churn@staging --delete`,
		Args:              rangeArgs(1, 2, "NAME@ALIAS and a VERSION (none with --delete)"),
		ValidArgsFunction: positional(false, a.modelNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := store.ParseModelRef(args[0])
			if err != nil || ref.Alias == "" {
				return usagef("%q is not NAME@ALIAS", args[0])
			}
			var version int64
			switch {
			case del && len(args) == 2:
				return usagef("--delete takes no VERSION")
			case !del && len(args) == 1:
				return usagef("give the VERSION the alias should name (or --delete)")
			case !del:
				if version, err = strconv.ParseInt(args[1], 10, 64); err != nil || version < 1 {
					return usagef("VERSION %q is not a version number", args[1])
				}
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				s := a.style()
				if del {
					prev, err := st.DeleteModelAlias(ctx, ref.Name, ref.Alias)
					if err != nil {
						return err
					}
					if a.json {
						return writeJSON(a.env.Stdout, map[string]any{"name": ref.Name, "alias": ref.Alias, "deleted": prev != 0, "previous_version": prev})
					}
					if prev == 0 {
						fmt.Fprintf(a.env.Stdout, "%s had no alias %s; nothing changed\n", ref.Name, ref.Alias)
					} else {
						fmt.Fprintf(a.env.Stdout, "Deleted alias %s (it named version %d)\n", s.cyan(args[0]), prev)
					}
					return nil
				}
				old, err := st.GetModelVersionByAlias(ctx, ref.Name, ref.Alias)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if err := st.SetModelAlias(ctx, ref.Name, ref.Alias, version); err != nil {
					return err
				}
				v, err := st.GetModelVersion(ctx, ref.Name, version)
				if err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, toModelVersionOut(v))
				}
				msg := fmt.Sprintf("%s -> version %d", s.cyan(args[0]), version)
				if old != nil && old.Version != version {
					msg += fmt.Sprintf(" (was %d)", old.Version)
				} else if old != nil {
					msg += " (unchanged)"
				}
				fmt.Fprintln(a.env.Stdout, msg)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&del, "delete", false, "delete the alias instead of setting it")
	return c
}

func newModelsRmCmd(a *app) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:     "rm NAME[:VERSION]",
		Aliases: []string{"delete"},
		Short:   "Delete a model version, or a whole model",
		Long: `Delete version VERSION of the model NAME (its tags, and the aliases that
named it, go with it), or with NAME alone the whole model and every version.
As in MLflow this is permanent, and version numbers are never reused.
Deleting a model that still has versions needs --yes.`,
		Example: `  lathe models rm churn:1
  lathe models rm churn --yes`,
		Args:              exactArgs(1, "one NAME or NAME:VERSION"),
		ValidArgsFunction: positional(false, a.modelNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := store.ParseModelRef(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			if ref.Alias != "" {
				return usagef("rm takes NAME or NAME:VERSION; to remove an alias use: lathe models alias %s --delete", args[0])
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				if ref.Version > 0 {
					if err := st.DeleteModelVersion(ctx, ref.Name, ref.Version); err != nil {
						return err
					}
					if a.json {
						return writeJSON(a.env.Stdout, map[string]any{"name": ref.Name, "version": ref.Version, "deleted": true})
					}
					fmt.Fprintf(a.env.Stdout, "Deleted %s\n", a.style().cyan(ref.String()))
					return nil
				}
				m, err := st.GetRegisteredModel(ctx, ref.Name)
				if err != nil {
					return err
				}
				versions, err := allVersions(ctx, st, m.Name)
				if err != nil {
					return err
				}
				if len(versions) > 0 && !yes {
					return usagef("deleting model %s also deletes its %s for good; add --yes (or delete one with NAME:VERSION)", m.Name, plural(len(versions), "version"))
				}
				if err := st.DeleteRegisteredModel(ctx, m.Name); err != nil {
					return err
				}
				if a.json {
					return writeJSON(a.env.Stdout, map[string]any{"name": m.Name, "versions_deleted": len(versions), "deleted": true})
				}
				fmt.Fprintf(a.env.Stdout, "Deleted model %s and %s\n", a.style().cyan(m.Name), plural(len(versions), "version"))
				return nil
			})
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "confirm deleting a whole model with its versions")
	return c
}
