package mlflowimport

import (
	"context"
	"errors"
	"fmt"

	"github.com/lathe-ml/lathe/store"
)

// importRun brings one run in. The order is what keeps a run whole:
//
//  1. the source reads and checks everything it can (the file store parses
//     every metric line) before anything is written, so malformed input
//     leaves nothing behind;
//  2. BeginRunImport creates the run hidden and marked incomplete (or finds
//     it complete and unchanged, and the run is done);
//  3. params, tags and inputs, then points in batches of 1000, then
//     artifacts, each write idempotent;
//  4. FinishRunImport gives the run its real status, times and stage and
//     removes the mark, in one transaction.
//
// If anything stops the import between 2 and 4 (an unreadable response, a
// crash, Ctrl-C), the run stays hidden and marked, and the next import
// resumes it, adding only what is missing.
func (im *importer) importRun(ctx context.Context, r *runMeta) error {
	if r.err != nil {
		return r.err
	}
	expID, ok := im.exps[r.exp]
	if !ok {
		return fmt.Errorf("%s: its experiment was not imported", r.where)
	}
	d, err := im.src.data(ctx, r)
	if err != nil {
		return wrapWhere(r, err)
	}
	ir := store.ImportedRun{ID: r.id, ExperimentID: expID, Name: r.name, Status: r.status,
		StartTime: r.start, EndTime: r.end, UserID: r.user, LifecycleStage: r.stage, DeletedTime: r.deleted,
		Origin: im.src.String()}
	for _, t := range d.tags {
		switch {
		case t.Key == store.TagRunName && ir.Name == "":
			ir.Name = t.Value
		case t.Key == store.TagSource:
			ir.Source = t.Value
		case t.Key == store.TagUser && ir.UserID == "":
			ir.UserID = t.Value
		}
	}
	state, err := im.st.BeginRunImport(ctx, ir, im.opt.Refresh)
	if err != nil {
		return storeErr(fmt.Errorf("%s: %w", r.where, err))
	}
	if state == store.RunImportComplete {
		im.t.do(func(s *Summary, p *Progress) {
			s.Runs.Present++
			p.Points += d.points
		})
		return nil
	}
	var c store.ImportCounts
	if err := im.writeData(ctx, r, d, &c); err != nil {
		return err
	}
	added := int64(0)
	if !im.opt.NoArtifacts {
		if added, err = im.copyArtifacts(ctx, r, state); err != nil {
			return err
		}
	}
	newData := state != store.RunImportRefresh || c.Metrics+c.Params+c.Tags+c.Inputs > 0 || added > 0
	changed, err := im.st.FinishRunImport(ctx, ir, newData)
	if err != nil {
		return storeErr(fmt.Errorf("%s: %w", r.where, err))
	}
	im.t.do(func(s *Summary, _ *Progress) {
		switch {
		case state != store.RunImportRefresh:
			s.Runs.Imported++
		case changed:
			s.Runs.Updated++
		default:
			s.Runs.Present++
		}
	})
	return nil
}

// wrapWhere names the run in a source error that does not name a file.
func wrapWhere(r *runMeta, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if r.dir != "" { // file-store errors name their file
		return err
	}
	return fmt.Errorf("%s: %w", r.where, err)
}

// writeData writes params, tags and inputs, then streams the points, each
// in store-sized batches.
func (im *importer) writeData(ctx context.Context, r *runMeta, d *runData, c *store.ImportCounts) error {
	flush := func(b store.ImportBatch) error {
		n, err := im.st.ImportRunData(ctx, r.id, b)
		if err != nil {
			return storeErr(fmt.Errorf("%s: %w", r.where, err))
		}
		c.Add(n)
		im.t.do(func(s *Summary, _ *Progress) {
			s.MetricPoints.Imported += int64(n.Metrics)
			s.MetricPoints.Present += int64(n.MetricsPresent)
			s.Params.Imported += int64(n.Params)
			s.Params.Present += int64(n.ParamsPresent)
			s.Tags.Imported += int64(n.Tags)
			s.Tags.Present += int64(n.TagsPresent)
			s.Inputs.Imported += int64(n.Inputs)
			s.Inputs.Present += int64(n.InputsPresent)
		})
		return nil
	}
	var b store.ImportBatch
	room := store.MaxEntitiesPerBatch
	full := func() bool { return len(b.Params)+len(b.Tags)+len(b.Inputs) >= room }
	for _, p := range d.params {
		b.Params = append(b.Params, p)
		if full() {
			if err := flush(b); err != nil {
				return err
			}
			b = store.ImportBatch{}
		}
	}
	for _, t := range d.tags {
		b.Tags = append(b.Tags, t)
		if full() {
			if err := flush(b); err != nil {
				return err
			}
			b = store.ImportBatch{}
		}
	}
	for _, in := range d.inputs {
		b.Inputs = append(b.Inputs, in)
		if full() {
			if err := flush(b); err != nil {
				return err
			}
			b = store.ImportBatch{}
		}
	}
	if len(b.Params)+len(b.Tags)+len(b.Inputs) > 0 {
		if err := flush(b); err != nil {
			return err
		}
	}
	pts := make([]store.Metric, 0, batchSize)
	err := im.src.metrics(ctx, r, d, func(m store.Metric) error {
		pts = append(pts, m)
		if len(pts) < batchSize {
			return nil
		}
		im.t.do(func(_ *Summary, p *Progress) { p.Points += int64(len(pts)) })
		err := flush(store.ImportBatch{Metrics: pts})
		pts = pts[:0]
		return err
	})
	if err != nil {
		return wrapWhere(r, err)
	}
	if len(pts) > 0 {
		im.t.do(func(_ *Summary, p *Progress) { p.Points += int64(len(pts)) })
		return flush(store.ImportBatch{Metrics: pts})
	}
	return nil
}

// copyArtifacts copies the run's artifact files the store lacks. A file
// already stored at the same path with the same size is taken as present
// without reading it (with Refresh, it is read and compared by hash).
func (im *importer) copyArtifacts(ctx context.Context, r *runMeta, state store.RunImportState) (int64, error) {
	have := map[string]int64{}
	if state != store.RunImportNew {
		var err error
		if have, err = im.st.ArtifactSizes(ctx, r.id); err != nil {
			return 0, storeErr(fmt.Errorf("%s: %w", r.where, err))
		}
	}
	var added int64
	err := im.src.artifacts(ctx, r, func(a artifactFile) error {
		if size, ok := have[a.path]; ok && size == a.size && !im.opt.Refresh {
			im.t.do(func(s *Summary, _ *Progress) { s.Artifacts.Present++ })
			return nil
		}
		if _, err := store.CleanArtifactPath(a.path); err != nil {
			im.t.do(func(s *Summary, _ *Progress) { s.Artifacts.Skipped++ })
			im.t.note(fmt.Sprintf("%s: artifact %q skipped: %v", r.where, a.path, err))
			return nil
		}
		rc, err := a.open(ctx)
		if err != nil {
			return fmt.Errorf("%s: artifact %s: %w", r.where, a.path, err)
		}
		created, art, err := im.st.ImportArtifact(ctx, r.id, a.path, countingReader{rc, im.t})
		rc.Close()
		if err != nil {
			if errors.Is(err, store.ErrInvalidState) || errors.Is(err, store.ErrInvalid) {
				im.t.do(func(s *Summary, _ *Progress) { s.Artifacts.Skipped++ })
				im.t.note(fmt.Sprintf("%s: artifact %q skipped: %v", r.where, a.path, err))
				return nil
			}
			return storeErr(fmt.Errorf("%s: artifact %s: %w", r.where, a.path, err))
		}
		im.t.do(func(s *Summary, _ *Progress) {
			if created {
				s.Artifacts.Imported++
				s.Artifacts.Bytes += art.Size
			} else {
				s.Artifacts.Present++
			}
		})
		if created {
			added++
		}
		return nil
	})
	var ue *unreachableError
	if errors.As(err, &ue) {
		im.t.do(func(s *Summary, _ *Progress) { s.Artifacts.Skipped++ })
		im.t.note(fmt.Sprintf("artifacts under %s: URIs were not imported (%s)", schemeOf(ue.uri), ue.why))
		return added, nil
	}
	if err != nil {
		return added, wrapWhere(r, err)
	}
	return added, nil
}
