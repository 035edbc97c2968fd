package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

// completeFunc is cobra's dynamic completion callback.
type completeFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// experimentNames completes experiment names (deleted ones too when
// deleted is set), described by their ids.
func (a *app) experimentNames(view store.ViewType) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx := cmdContext(cmd)
		st, ok := a.openExisting(ctx)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer st.Close()
		exps, err := st.ListExperiments(ctx, store.ExperimentQuery{View: view})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, e := range exps {
			if strings.HasPrefix(e.Name, toComplete) {
				out = append(out, e.Name+"\texperiment "+itoa(e.ID))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// runRefs completes run names and ids of the most recent runs.
func (a *app) runRefs(view store.ViewType) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx := cmdContext(cmd)
		st, ok := a.openExisting(ctx)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer st.Close()
		runs, _, err := st.SearchRuns(ctx, store.RunQuery{View: view, MaxResults: 500})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		seen := map[string]bool{}
		var out []string
		for _, r := range runs {
			if r.Name != "" && strings.HasPrefix(r.Name, toComplete) && !seen[r.Name] {
				seen[r.Name] = true
				out = append(out, r.Name+"\trun "+shortID(r.ID)+" "+r.Status)
			}
			if toComplete != "" && strings.HasPrefix(r.ID, strings.ToLower(toComplete)) {
				out = append(out, r.ID+"\t"+r.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// metricKeys completes the metric keys of the run named by args[0].
func (a *app) metricKeys(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ctx := cmdContext(cmd)
	st, ok := a.openExisting(ctx)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer st.Close()
	r, err := st.ResolveRun(ctx, args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, m := range r.Metrics {
		if strings.HasPrefix(m.Key, toComplete) {
			out = append(out, m.Key)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// positional completes argument i with fns[i] (the last one repeats when
// rest is set) and offers nothing elsewhere.
func positional(rest bool, fns ...completeFunc) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		i := len(args)
		if i >= len(fns) {
			if !rest || len(fns) == 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			i = len(fns) - 1
		}
		if fns[i] == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fns[i](cmd, args, toComplete)
	}
}
