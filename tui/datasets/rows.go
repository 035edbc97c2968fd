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

// openVersion opens the files of version ref, in path order, as one table.
func openVersion(ctx context.Context, st blobOpener, ref string) (table.Reader, error) {
	v, err := st.DataVersion(ctx, ref)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(v.Files))
	for i, f := range v.Files {
		names[i] = f.Path
	}
	return table.OpenFiles(ctx, ref, names, func(i int) (*os.File, error) { return st.OpenBlob(v.Files[i].Hash) })
}

// readRows reads up to n rows of version ref (across its files).
func readRows(ctx context.Context, st blobOpener, ref string, n int) (d *rowsData, err error) {
	r, err := openVersion(ctx, st, ref)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%s: reading failed: %v", ref, p)
		}
	}()
	d = &rowsData{}
	for _, c := range r.Columns() {
		d.Columns = append(d.Columns, c.Name)
	}
	for {
		rec, err := r.Next()
		if isEOF(err) {
			return d, nil
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

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
