package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/store"
)

// maxRows is how many rows the rows view reads.
const maxRows = 200

// rowsData is the first rows of a version.
type rowsData struct {
	Columns []string
	Rows    [][]string
	Null    [][]bool
	// More is true when the data has rows beyond Rows.
	More bool
}

// blobOpener is what reading a version's files needs.
type blobOpener interface {
	DataVersion(ctx context.Context, ref string) (*store.DataVersion, error)
	OpenBlob(hash string) (*os.File, error)
}

// openVersion opens every file of version ref, in path order, as readers
// of its format. The caller closes the readers and the files (close).
func openVersion(ctx context.Context, st blobOpener, ref string) (rs []table.Reader, close func(), err error) {
	v, err := st.DataVersion(ctx, ref)
	if err != nil {
		return nil, func() {}, err
	}
	var files []*os.File
	close = func() {
		for _, r := range rs {
			r.Close()
		}
		for _, f := range files {
			f.Close()
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: reading %s files is not available yet (%v)", ref, v.Format, p)
		}
		if err != nil {
			close()
			rs = nil
		}
	}()
	if len(v.Files) == 0 {
		return nil, close, fmt.Errorf("%s has no files", ref)
	}
	for _, f := range v.Files {
		fh, err := st.OpenBlob(f.Hash)
		if err != nil {
			return nil, close, fmt.Errorf("%s: %s: %w", ref, f.Path, err)
		}
		files = append(files, fh)
		format := table.Format(v.Format)
		gz := strings.HasSuffix(strings.ToLower(f.Path), ".gz")
		var src io.Reader = fh
		if format == table.FormatParquet {
			src = io.NewSectionReader(fh, 0, f.Size)
		}
		r, err := table.OpenReader(ctx, f.Path, src, format, gz)
		if err != nil {
			return nil, close, err
		}
		rs = append(rs, r)
	}
	return rs, close, nil
}

// readRows reads up to n rows of version ref (across its files).
func readRows(ctx context.Context, st blobOpener, ref string, n int) (d *rowsData, err error) {
	rs, closeAll, err := openVersion(ctx, st, ref)
	defer closeAll()
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%s: reading failed: %v", ref, p)
		}
	}()
	d = &rowsData{}
	for _, c := range rs[0].Columns() {
		d.Columns = append(d.Columns, c.Name)
	}
	for _, r := range rs {
		for {
			rec, err := r.Next()
			if isEOF(err) {
				break
			}
			if err != nil {
				return d, err
			}
			if len(d.Rows) == n {
				d.More = true
				return d, nil
			}
			// The reader reuses its buffers: keep copies of the texts.
			row := make([]string, len(rec.Fields))
			for i, f := range rec.Fields {
				row[i] = strings.Clone(f)
			}
			d.Rows = append(d.Rows, row)
			var null []bool
			if rec.Null != nil {
				null = append([]bool(nil), rec.Null...)
			}
			d.Null = append(d.Null, null)
		}
	}
	return d, nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
