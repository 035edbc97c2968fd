package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lathe-ml/lathe/store/query"
)

// MaxSearchResults is MLflow's cap on runs/search max_results.
const MaxSearchResults = 50000

// RunQuery selects runs: lathe's query language in Filter, MLflow order_by
// clauses in OrderBy.
type RunQuery struct {
	ExperimentIDs []int64 // empty: every experiment
	Filter        string
	OrderBy       []string
	View          ViewType // default ActiveOnly
	MaxResults    int      // default 1000
	PageToken     string
}

type pageToken struct {
	Offset int `json:"offset"`
}

// SearchRuns returns one page of runs and the token of the next page ("" at
// the end). Returns an error wrapping ErrInvalid, whose text names the
// position of the problem, for a bad filter, order_by or page token.
func (s *Store) SearchRuns(ctx context.Context, q RunQuery) ([]*Run, string, error) {
	if q.MaxResults <= 0 {
		q.MaxResults = 1000
	}
	if q.MaxResults > MaxSearchResults {
		return nil, "", invalid("max_results %d is over the limit of %d", q.MaxResults, MaxSearchResults)
	}
	offset := 0
	if q.PageToken != "" {
		b, err := base64.StdEncoding.DecodeString(q.PageToken)
		var pt pageToken
		if err == nil {
			err = json.Unmarshal(b, &pt)
		}
		if err != nil || pt.Offset < 0 {
			return nil, "", invalid("invalid page token %q", q.PageToken)
		}
		offset = pt.Offset
	}
	where, args, err := s.runWhere(q)
	if err != nil {
		return nil, "", err
	}
	var order []string
	for _, ob := range q.OrderBy {
		o, err := query.ParseOrderBy(ob)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		terms, oargs, err := query.OrderSQL(o)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		order = append(order, terms...)
		args = append(args, oargs...)
	}
	order = append(order, "r.start_time DESC", "r.id DESC")
	sqlq := `SELECT ` + runCols + ` FROM runs r WHERE ` + where + ` ORDER BY ` + strings.Join(order, ", ") + ` LIMIT ? OFFSET ?`
	args = append(args, q.MaxResults+1, offset)
	rows, err := s.rdb.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, "", fmt.Errorf("search runs: %w", err)
	}
	defer rows.Close()
	var runs []*Run
	var rids []int64
	for rows.Next() {
		rid, r, err := scanRun(rows)
		if err != nil {
			return nil, "", fmt.Errorf("search runs: %w", err)
		}
		runs, rids = append(runs, r), append(rids, rid)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("search runs: %w", err)
	}
	next := ""
	if len(runs) > q.MaxResults {
		runs, rids = runs[:q.MaxResults], rids[:q.MaxResults]
		b, _ := json.Marshal(pageToken{Offset: offset + q.MaxResults})
		next = base64.StdEncoding.EncodeToString(b)
	}
	if err := s.hydrate(ctx, rids, runs); err != nil {
		return nil, "", err
	}
	return runs, next, nil
}

// CountRuns counts the runs a query selects (ignoring paging).
func (s *Store) CountRuns(ctx context.Context, q RunQuery) (int, error) {
	where, args, err := s.runWhere(q)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM runs r WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// MaxFilterLength bounds a filter's size: every condition is a correlated
// subquery, so an enormous filter from a remote client would be a cheap way
// to make the store work very hard.
const MaxFilterLength = 4096

func (s *Store) runWhere(q RunQuery) (string, []any, error) {
	if len(q.Filter) > MaxFilterLength {
		return "", nil, invalid("filter is %d bytes, over the limit of %d", len(q.Filter), MaxFilterLength)
	}
	where := []string{viewWhere("r.lifecycle_stage", q.View)}
	var args []any
	if len(q.ExperimentIDs) > 0 {
		in, a := inList(q.ExperimentIDs)
		where = append(where, "r.experiment_id IN "+in)
		args = append(args, a...)
	}
	expr, err := query.Parse(q.Filter)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if expr != nil {
		cond, cargs, err := query.Compile(expr)
		if err != nil {
			return "", nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		where = append(where, "("+cond+")")
		args = append(args, cargs...)
	}
	return strings.Join(where, " AND "), args, nil
}
