package datasets

import (
	"context"
	"fmt"
	"sort"

	"github.com/lathe-ml/lathe/monitor/table"
)

// diffData is the comparison of a reference version with a current one:
// row counts, schema changes and per-column drift.
type diffData struct {
	RefRows, CurRows int64
	Added, Removed   []string
	TypeChanged      []typeChange
	Columns          []driftRow
	Tested, Drifted  int
	DriftedShare     float64
	// Note says why per-column drift is missing, when it is.
	Note string
}

// typeChange is a column whose type differs between the versions.
type typeChange struct{ Column, From, To string }

// driftRow is one column's drift result.
type driftRow struct {
	Column    string
	Type      string
	Method    string
	Statistic float64
	PValue    *float64
	Threshold float64
	Drift     bool
	// Unseen counts categories the reference never saw.
	Unseen int64
	Error  string
}

// schemaDiff fills row counts and schema changes from the two versions'
// stored profiles (nil profiles give no schema changes).
func schemaDiff(d *diffData, ref, cur *profileDoc) {
	if ref == nil || cur == nil {
		return
	}
	types := map[string]table.Kind{}
	for _, c := range ref.Columns {
		types[c.Name] = c.Type
	}
	seen := map[string]bool{}
	for _, c := range cur.Columns {
		seen[c.Name] = true
		t, ok := types[c.Name]
		switch {
		case !ok:
			d.Added = append(d.Added, c.Name)
		case t != c.Type:
			d.TypeChanged = append(d.TypeChanged, typeChange{Column: c.Name, From: string(t), To: string(c.Type)})
		}
	}
	for _, c := range ref.Columns {
		if !seen[c.Name] {
			d.Removed = append(d.Removed, c.Name)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Removed)
}

// compareVersions compares version refRef (the reference) with curRef:
// row counts and schema from the stored profiles, then per-column drift
// over the data (driftColumns).
func compareVersions(ctx context.Context, st blobOpener, refRef, curRef string) (*diffData, error) {
	rv, err := st.DataVersion(ctx, refRef)
	if err != nil {
		return nil, err
	}
	cv, err := st.DataVersion(ctx, curRef)
	if err != nil {
		return nil, err
	}
	d := &diffData{RefRows: rv.Rows, CurRows: cv.Rows}
	rp, err := decodeProfile(rv.Profile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", refRef, err)
	}
	cp, err := decodeProfile(cv.Profile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", curRef, err)
	}
	schemaDiff(d, rp, cp)
	if err := driftColumns(ctx, st, refRef, curRef, d); err != nil {
		d.Note = "per-column drift: " + err.Error()
	}
	return d, nil
}
