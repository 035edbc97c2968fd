package datasets

import (
	"context"
	"fmt"

	"github.com/lathe-ml/lathe/monitor/datadiff"
	"github.com/lathe-ml/lathe/monitor/table"
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
	rr, closeRef, err := openVersion(ctx, st, refRef)
	defer closeRef()
	if err != nil {
		return err
	}
	cr, closeCur, err := openVersion(ctx, st, curRef)
	defer closeCur()
	if err != nil {
		return err
	}
	rep, err := datadiff.Compare(ctx, concat(rr), concat(cr), datadiff.Options{})
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

// multiReader reads several files of one version as one table. The
// columns are the first file's; files whose columns differ were refused
// when the version was added.
type multiReader struct {
	rs []table.Reader
	i  int
}

// concat joins readers; one reader is returned as is.
func concat(rs []table.Reader) table.Reader {
	if len(rs) == 1 {
		return rs[0]
	}
	return &multiReader{rs: rs}
}

// Columns implements table.Reader.
func (m *multiReader) Columns() []table.Column { return m.rs[0].Columns() }

// Next implements table.Reader.
func (m *multiReader) Next() (table.Record, error) {
	for {
		rec, err := m.rs[m.i].Next()
		if err == nil || !isEOF(err) || m.i == len(m.rs)-1 {
			return rec, err
		}
		m.i++
	}
}

// Close implements table.Reader; openVersion's close closes the files.
func (m *multiReader) Close() error { return nil }
