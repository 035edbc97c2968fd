package datasets

import (
	"context"
	"fmt"

	"github.com/lathe-ml/lathe/monitor/datadiff"
)

// driftColumns reads both versions' data and tests every shared column
// with monitor/datadiff (Evidently's default statistic per column). The
// report's row counts and schema changes replace those of the profiles.
func driftColumns(ctx context.Context, st blobOpener, refRef, curRef string, d *diffData) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("comparing %s with %s: %v", refRef, curRef, p)
		}
	}()
	rr, err := openVersion(ctx, st, refRef)
	if err != nil {
		return err
	}
	defer rr.Close()
	cr, err := openVersion(ctx, st, curRef)
	if err != nil {
		return err
	}
	defer cr.Close()
	rep, err := datadiff.Compare(ctx, rr, cr, datadiff.Options{})
	if err != nil {
		return err
	}
	d.RefRows, d.CurRows = rep.RefRows, rep.CurRows
	d.Added, d.Removed, d.TypeChanged = rep.Added, rep.Removed, nil
	for _, tc := range rep.TypeChanged {
		d.TypeChanged = append(d.TypeChanged, typeChange{Column: tc.Column, From: string(tc.From), To: string(tc.To)})
	}
	d.Columns = d.Columns[:0]
	for _, c := range rep.Columns {
		d.Columns = append(d.Columns, driftRow{Column: c.Column, Type: c.Type, Method: string(c.Method), Statistic: c.Statistic,
			PValue: c.PValue, Threshold: c.Threshold, Drift: c.Drift, Unseen: int64(len(c.Unseen)), Error: c.Error})
	}
	d.Drifted, d.Tested, d.DriftedShare = rep.Drifted, rep.Tested, rep.DriftedShare
	d.Note = ""
	return nil
}
