package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Job statuses. STARTING and RUNNING are active; the others are final,
// except that a LOST job whose supervisor turns up again (HeartbeatJob) is
// RUNNING once more.
const (
	JobStarting = "STARTING" // recorded, process not started yet
	JobRunning  = "RUNNING"
	JobExited   = "EXITED" // ended by itself; ExitCode and Signal say how
	JobKilled   = "KILLED" // ended because it was cancelled
	JobFailed   = "FAILED" // could not be started; Error says why
	JobLost     = "LOST"   // its process and supervisor vanished; Error says how it was noticed
)

// JobActive reports whether a job status is STARTING or RUNNING.
func JobActive(status string) bool { return status == JobStarting || status == JobRunning }

// Job is one execution of a command by a runner backend: what ran where, and
// how it ended. Times are Unix ms, 0 when unknown.
type Job struct {
	ID             int64
	Backend        string
	Host           string
	PID            int // 0 when unknown or not a process
	SchedulerID    string
	SupervisorHost string
	SupervisorPID  int
	RunID          string // "" when the job belongs to no run
	Command        []string
	Workdir        string
	Status         string
	ExitCode       *int // nil until the job ended; -1 when a signal ended it
	Signal         int
	Error          string
	LogPath        string
	LogOffset      int64
	CancelRequest  bool
	Heartbeat      int64
	Created        int64
	Started        int64
	Ended          int64
}

// JobCreate describes a job about to start.
type JobCreate struct {
	Backend        string
	Host           string
	SupervisorHost string
	SupervisorPID  int
	RunID          string // optional
	Command        []string
	Workdir        string
	LogPath        string
}

// CreateJob records a STARTING job with a first heartbeat. Returns
// ErrInvalid without a backend or command, ErrNotFound for an unknown run.
func (s *Store) CreateJob(ctx context.Context, jc JobCreate) (*Job, error) {
	if jc.Backend == "" {
		return nil, invalid("job backend is empty")
	}
	if len(jc.Command) == 0 {
		return nil, invalid("job command is empty")
	}
	cmd, err := json.Marshal(jc.Command)
	if err != nil {
		return nil, invalid("job command: %v", err)
	}
	var id int64
	err = s.write(ctx, func(tx *Tx) error {
		var rid any
		if jc.RunID != "" {
			r, _, err := tx.runStage(jc.RunID)
			if err != nil {
				return err
			}
			rid = r
		}
		res, err := tx.exec(`INSERT INTO jobs (backend, host, supervisor_host, supervisor_pid, run_id, command, workdir, log_path, heartbeat, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, jc.Backend, jc.Host, jc.SupervisorHost, nullInt(int64(jc.SupervisorPID)), rid,
			string(cmd), jc.Workdir, jc.LogPath, tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		id, _ = res.LastInsertId()
		return tx.event("job.created", jobEntity(id), jsonObj("backend", jc.Backend, "host", jc.Host, "run_id", jc.RunID))
	})
	if err != nil {
		return nil, err
	}
	return s.GetJob(ctx, id)
}

func jobEntity(id int64) string { return fmt.Sprintf("job:%d", id) }

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

const jobCols = `j.id, j.backend, j.host, coalesce(j.pid, 0), j.scheduler_id, j.supervisor_host, coalesce(j.supervisor_pid, 0),
	coalesce(r.uuid, ''), j.command, j.workdir, j.status, j.exit_code, coalesce(j.signal, 0), j.error, j.log_path,
	j.log_offset, j.cancel_requested, coalesce(j.heartbeat, 0), j.created, coalesce(j.started, 0), coalesce(j.ended, 0)`

const jobFrom = ` FROM jobs j LEFT JOIN runs r ON r.id = j.run_id`

func scanJob(row interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var cmd string
	var exit sql.NullInt64
	err := row.Scan(&j.ID, &j.Backend, &j.Host, &j.PID, &j.SchedulerID, &j.SupervisorHost, &j.SupervisorPID,
		&j.RunID, &cmd, &j.Workdir, &j.Status, &exit, &j.Signal, &j.Error, &j.LogPath,
		&j.LogOffset, &j.CancelRequest, &j.Heartbeat, &j.Created, &j.Started, &j.Ended)
	if err != nil {
		return nil, err
	}
	if exit.Valid {
		c := int(exit.Int64)
		j.ExitCode = &c
	}
	_ = json.Unmarshal([]byte(cmd), &j.Command)
	return &j, nil
}

// GetJob returns one job. Returns ErrNotFound for an unknown id.
func (s *Store) GetJob(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(s.rdb.QueryRowContext(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("no job with id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %d: %w", id, err)
	}
	return j, nil
}

// JobQuery selects jobs for ListJobs; the zero value lists the newest 100.
type JobQuery struct {
	RunID      string // only this run's jobs
	ActiveOnly bool   // only STARTING and RUNNING jobs
	Limit      int    // default 100
}

// ListJobs returns jobs newest first. An unknown run id matches nothing.
func (s *Store) ListJobs(ctx context.Context, q JobQuery) ([]*Job, error) {
	var where []string
	var args []any
	if q.RunID != "" {
		where = append(where, `r.uuid = ?`)
		args = append(args, q.RunID)
	}
	if q.ActiveOnly {
		where = append(where, `j.status IN ('STARTING', 'RUNNING')`)
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	query := `SELECT ` + jobCols + jobFrom
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.rdb.QueryContext(ctx, query+` ORDER BY j.id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobUpdate changes a job; nil fields stay as they are.
type JobUpdate struct {
	Status      *string
	PID         *int
	SchedulerID *string
	LogPath     *string
	LogOffset   *int64
	ExitCode    *int
	Signal      *int
	Error       *string
	Started     *int64 // default: now, when the status becomes RUNNING
	Ended       *int64 // default: now, when the status becomes final
}

// UpdateJob applies u and records a job.updated event. Returns ErrNotFound,
// ErrInvalid for an unknown status, and ErrInvalidState for a status change
// of a job that has ended (LOST excepted: a lost job may be found again).
func (s *Store) UpdateJob(ctx context.Context, id int64, u JobUpdate) (*Job, error) {
	if u.Status != nil {
		switch *u.Status {
		case JobStarting, JobRunning, JobExited, JobKilled, JobFailed, JobLost:
		default:
			return nil, invalid("job status %q (want STARTING, RUNNING, EXITED, KILLED, FAILED or LOST)", *u.Status)
		}
	}
	err := s.write(ctx, func(tx *Tx) error {
		var cur string
		var started sql.NullInt64
		err := tx.queryRow(`SELECT status, started FROM jobs WHERE id = ?`, id).Scan(&cur, &started)
		if isNoRows(err) {
			return notFound("no job with id %d", id)
		}
		if err != nil {
			return err
		}
		var set []string
		var args []any
		add := func(col string, v any) { set = append(set, col+" = ?"); args = append(args, v) }
		if u.Status != nil && *u.Status != cur {
			if !JobActive(cur) && cur != JobLost {
				return badState("job %d has ended (%s); its status cannot change to %s", id, cur, *u.Status)
			}
			add("status", *u.Status)
			if *u.Status == JobRunning && u.Started == nil && !started.Valid {
				add("started", tx.now)
			}
			if !JobActive(*u.Status) && u.Ended == nil {
				add("ended", tx.now)
			}
			if JobActive(*u.Status) && cur == JobLost {
				add("ended", nil)
				if u.Error == nil {
					add("error", "")
				}
			}
		}
		if u.PID != nil {
			add("pid", nullInt(int64(*u.PID)))
		}
		if u.SchedulerID != nil {
			add("scheduler_id", *u.SchedulerID)
		}
		if u.LogPath != nil {
			add("log_path", *u.LogPath)
		}
		if u.LogOffset != nil {
			add("log_offset", *u.LogOffset)
		}
		if u.ExitCode != nil {
			add("exit_code", *u.ExitCode)
		}
		if u.Signal != nil {
			add("signal", nullInt(int64(*u.Signal)))
		}
		if u.Error != nil {
			add("error", *u.Error)
		}
		if u.Started != nil {
			add("started", *u.Started)
		}
		if u.Ended != nil {
			add("ended", *u.Ended)
		}
		if len(set) == 0 {
			return nil
		}
		if _, err := tx.exec(`UPDATE jobs SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, id)...); err != nil {
			return fmt.Errorf("update job %d: %w", id, err)
		}
		status := cur
		if u.Status != nil {
			status = *u.Status
		}
		return tx.event("job.updated", jobEntity(id), jsonObj("status", status))
	})
	if err != nil {
		return nil, err
	}
	return s.GetJob(ctx, id)
}

// JobBeat is what a heartbeat tells the supervisor.
type JobBeat struct {
	// CancelRequested: someone asked for the job to be cancelled
	// (RequestJobCancel); the supervisor should cancel it.
	CancelRequested bool
	// Revived: the job had been marked LOST (the supervisor was suspended
	// past the stale period) and is RUNNING again; its run may have been
	// marked FAILED meanwhile.
	Revived bool
}

// HeartbeatJob records that the job's supervisor is alive and how far it
// has read the job's log. Heartbeats are frequent, so they record no event
// (a revival does). Returns ErrNotFound, and ErrInvalidState for a job that
// has ended (the supervisor should stop beating).
func (s *Store) HeartbeatJob(ctx context.Context, id int64, logOffset int64) (JobBeat, error) {
	var beat JobBeat
	err := s.write(ctx, func(tx *Tx) error {
		beat = JobBeat{}
		var status string
		err := tx.queryRow(`SELECT status, cancel_requested FROM jobs WHERE id = ?`, id).Scan(&status, &beat.CancelRequested)
		if isNoRows(err) {
			return notFound("no job with id %d", id)
		}
		if err != nil {
			return err
		}
		switch {
		case status == JobLost:
			if _, err := tx.exec(`UPDATE jobs SET status = 'RUNNING', ended = NULL, error = '' WHERE id = ?`, id); err != nil {
				return err
			}
			beat.Revived = true
			if err := tx.event("job.revived", jobEntity(id), ""); err != nil {
				return err
			}
		case !JobActive(status):
			return badState("job %d has ended (%s)", id, status)
		}
		_, err = tx.exec(`UPDATE jobs SET heartbeat = ?, log_offset = max(log_offset, ?) WHERE id = ?`, tx.now, logOffset, id)
		return err
	})
	return beat, err
}

// RequestJobCancel flags a job for cancellation; its supervisor sees the
// flag at its next heartbeat and cancels the job. Returns ErrNotFound, and
// ErrInvalidState when the job has ended.
func (s *Store) RequestJobCancel(ctx context.Context, id int64) (*Job, error) {
	err := s.write(ctx, func(tx *Tx) error {
		var status string
		err := tx.queryRow(`SELECT status FROM jobs WHERE id = ?`, id).Scan(&status)
		if isNoRows(err) {
			return notFound("no job with id %d", id)
		}
		if err != nil {
			return err
		}
		if !JobActive(status) {
			return badState("job %d has already ended (%s)", id, status)
		}
		if _, err := tx.exec(`UPDATE jobs SET cancel_requested = 1 WHERE id = ?`, id); err != nil {
			return err
		}
		return tx.event("job.cancel_requested", jobEntity(id), "")
	})
	if err != nil {
		return nil, err
	}
	return s.GetJob(ctx, id)
}

// Recovery says how RecoverJobs decides that an active job is gone.
type Recovery struct {
	// StaleAfter: a job whose last heartbeat is older than this is lost,
	// wherever it runs. Zero disables the check.
	StaleAfter time.Duration
	// Alive reports whether a job, or the process supervising it, still
	// exists; false makes the job lost at once. It should say true when it
	// cannot tell (another host): staleness decides those. Nil: only
	// staleness counts.
	Alive func(*Job) bool
}

// RecoverJobs finds active jobs that are gone, marks each LOST with the
// reason in Error, and marks its run FAILED, ended at the job's last sign of
// life, if the run is still RUNNING, so that no run is left hanging. Each job
// is marked in its own transaction, and only if it has not changed since it
// was judged (a heartbeat in between spares it). It returns the jobs marked.
func (s *Store) RecoverJobs(ctx context.Context, rec Recovery) ([]*Job, error) {
	active, err := s.ListJobs(ctx, JobQuery{ActiveOnly: true, Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var lost []*Job
	for _, j := range active {
		last := max(j.Heartbeat, j.Started, j.Created)
		reason := ""
		switch {
		case rec.Alive != nil && !rec.Alive(j):
			reason = "its process and its supervisor are gone"
		case rec.StaleAfter > 0 && now-last > rec.StaleAfter.Milliseconds():
			reason = fmt.Sprintf("no heartbeat from its supervisor for %s", time.Duration(now-last)*time.Millisecond)
		default:
			continue
		}
		marked, err := s.markLost(ctx, j, last, reason)
		if err != nil {
			return lost, err
		}
		if marked {
			if j, err = s.GetJob(ctx, j.ID); err != nil {
				return lost, err
			}
			lost = append(lost, j)
		}
	}
	return lost, nil
}

func (s *Store) markLost(ctx context.Context, j *Job, last int64, reason string) (bool, error) {
	marked := false
	err := s.write(ctx, func(tx *Tx) error {
		marked = false
		var status string
		var hb sql.NullInt64
		var rid sql.NullInt64
		if err := tx.queryRow(`SELECT status, heartbeat, run_id FROM jobs WHERE id = ?`, j.ID).Scan(&status, &hb, &rid); err != nil {
			return err
		}
		if status != j.Status || hb.Int64 != j.Heartbeat {
			return nil // it moved on while we judged it
		}
		if _, err := tx.exec(`UPDATE jobs SET status = 'LOST', ended = ?, error = ? WHERE id = ?`, tx.now, reason, j.ID); err != nil {
			return fmt.Errorf("mark job %d lost: %w", j.ID, err)
		}
		if err := tx.event("job.lost", jobEntity(j.ID), jsonObj("reason", reason)); err != nil {
			return err
		}
		marked = true
		if !rid.Valid {
			return nil
		}
		var uuid, runStatus string
		if err := tx.queryRow(`SELECT uuid, status FROM runs WHERE id = ?`, rid.Int64).Scan(&uuid, &runStatus); err != nil {
			return err
		}
		if runStatus != StatusRunning {
			return nil
		}
		if _, err := tx.exec(`UPDATE runs SET status = 'FAILED', end_time = ? WHERE id = ?`, last, rid.Int64); err != nil {
			return fmt.Errorf("fail run %s of lost job %d: %w", uuid, j.ID, err)
		}
		return tx.event("run.updated", "run:"+uuid, jsonObj("status", StatusFailed, "reason", "job lost: "+reason))
	})
	return marked, err
}
