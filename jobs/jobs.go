// Package jobs is drydock's durable work queue: scan jobs kept in the same
// database as the registry, on River, so a job survives a restart, retries
// with backoff and can be listed. A Queue
// enqueues a scan when the registry announces a pushed image, and its
// workers — in `drydock serve` or in separate `drydock worker` processes —
// read the image straight from the registry's store, judge it under its
// namespace's policy with the one Scanner, and store the SBOM, the findings
// counts and the verdict by manifest digest.
package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// PolicySource gives the policy a namespace's images are judged with; nil
// means the scanner's default policy. *enforce.Settings implements it.
type PolicySource interface {
	Policy(ctx context.Context, namespace string) (*policy.Policy, error)
}

// Queue is the scan queue over one store. It is safe for concurrent use.
type Queue struct {
	st        *store.Store
	verdicts  *verdict.Store
	o         options
	c         backend
	closePool func()
	metrics   *metrics

	mu     sync.Mutex
	cancel context.CancelFunc // stops the event loop
	done   chan struct{}
}

// New opens the queue in the database st was opened from (dsn, the same
// string given to store.Open: PostgreSQL needs a pool of its own for River).
// River's tables are made by store.Open. Without WithWorkers the queue only
// enqueues and lists.
func New(ctx context.Context, st *store.Store, dsn string, opts ...Option) (*Queue, error) {
	o := options{
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		jobTimeout:  10 * time.Minute,
		maxAttempts: 8,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.workers > 0 && (o.scanner == nil || o.blobs == nil) {
		return nil, &ConfigError{"jobs: workers need a scanner and the blob store (WithScanner)"}
	}
	q := &Queue{st: st, verdicts: verdict.New(st), o: o, closePool: func() {}}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &scanWorker{q: q}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	cfg := &river.Config{
		Logger:               o.logger,
		JobTimeout:           o.jobTimeout,
		RescueStuckJobsAfter: o.jobTimeout + o.jobTimeout/2,
		MaxAttempts:          o.maxAttempts,
		RetryPolicy:          backoff{},
		Workers:              workers,
		FetchPollInterval:    250 * time.Millisecond, // SQLite has no LISTEN: polls find new jobs
	}
	if o.workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.workers}}
	}
	var err error
	switch st.Dialect() {
	case store.Postgres:
		pool, perr := pgxpool.New(ctx, dsn)
		if perr != nil {
			return nil, fmt.Errorf("jobs: connect: %w", perr)
		}
		q.closePool = pool.Close
		q.c, err = newBackend(riverpgxv5.New(pool), cfg)
	default:
		q.c, err = newBackend(riversqlite.New(st.DB()), cfg)
	}
	if err != nil {
		q.closePool()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if o.registerer != nil {
		q.metrics = newMetrics(q)
		if err := q.metrics.register(o.registerer); err != nil {
			q.closePool()
			return nil, err
		}
	}
	return q, nil
}

// Hooks are called by the workers after they store a verdict, in the
// worker's goroutine: they must not block for long. Nil fields are skipped.
type Hooks struct {
	// ScanCompleted follows every scan job that stored a verdict.
	ScanCompleted func(ScanCompleted)
	// VerdictChanged follows a scan that changed a final verdict (pass to
	// fail and back, or to error).
	VerdictChanged func(VerdictChanged)
}

// AddHooks adds h to the hooks the workers call; call it before Start.
func (q *Queue) AddHooks(h Hooks) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if h.ScanCompleted != nil {
		q.o.onScan = append(q.o.onScan, h.ScanCompleted)
	}
	if h.VerdictChanged != nil {
		q.o.onChange = append(q.o.onChange, h.VerdictChanged)
	}
}

// SetPolicies replaces the source of namespace policies; call it before
// Start.
func (q *Queue) SetPolicies(p PolicySource) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.o.policies = p
}

// Start runs the workers (if any) until Stop. A queue without workers need
// not be started.
func (q *Queue) Start(ctx context.Context) error {
	if q.o.workers == 0 {
		return nil
	}
	events, unsubscribe := q.c.subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	if err := q.c.start(ctx); err != nil {
		unsubscribe()
		return fmt.Errorf("jobs: start: %w", err)
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.mu.Lock()
	q.cancel, q.done = cancel, make(chan struct{})
	q.mu.Unlock()
	go func() {
		defer close(q.done)
		defer unsubscribe()
		for {
			select {
			case <-lctx.Done():
				return
			case e, ok := <-events:
				if !ok {
					return
				}
				q.metrics.observe(e)
			}
		}
	}()
	return nil
}

// Stop lets running jobs finish (until ctx ends; then they are cancelled
// and retried later) and stops the workers.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	if q.o.workers > 0 {
		err = q.c.stop(ctx)
		q.mu.Lock()
		cancel, done := q.cancel, q.done
		q.mu.Unlock()
		if cancel != nil {
			cancel()
			<-done
		}
	}
	return err
}

// Close releases the queue's own database pool (PostgreSQL); call it after
// Stop.
func (q *Queue) Close() { q.closePool() }

// Enqueue queues a scan of the manifest digest in repo and marks its
// verdict pending (unless one is stored). A scan already queued or running
// for the same manifest is not queued twice.
func (q *Queue) Enqueue(ctx context.Context, repo, digest string) (*Job, error) {
	if repo == "" || !strings.Contains(digest, ":") {
		return nil, &ConfigError{fmt.Sprintf("jobs: scan of %q in %q: want a repository and a digest", digest, repo)}
	}
	if _, err := q.st.MarkPending(ctx, namespaceOf(repo), digest); err != nil {
		return nil, err
	}
	res, err := q.c.insert(ctx, ScanArgs{Repo: repo, Digest: digest}, nil)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue scan of %s@%s: %w", repo, digest, err)
	}
	j := jobOf(res.Job)
	j.Duplicate = res.UniqueSkippedAsDuplicate
	return j, nil
}

// ConfigError is a bad argument or option: the caller's fault.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// InvalidInput marks the error as the caller's.
func (e *ConfigError) InvalidInput() bool { return true }

// Job is one queued, running or finished job as the API shows it.
type Job struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"`
	Repo        string    `json:"repository,omitempty"`
	Digest      string    `json:"digest,omitempty"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"maxAttempts"`
	Errors      []string  `json:"errors,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	ScheduledAt time.Time `json:"scheduledAt"`
	AttemptedAt time.Time `json:"attemptedAt,omitzero"`
	FinalizedAt time.Time `json:"finalizedAt,omitzero"`
	// Duplicate is true when Enqueue found the same scan already queued.
	Duplicate bool `json:"duplicate,omitempty"`
}

func jobOf(r *rivertype.JobRow) *Job {
	j := &Job{ID: r.ID, Kind: r.Kind, State: string(r.State), Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
		CreatedAt: r.CreatedAt.UTC(), ScheduledAt: r.ScheduledAt.UTC()}
	if r.AttemptedAt != nil {
		j.AttemptedAt = r.AttemptedAt.UTC()
	}
	if r.FinalizedAt != nil {
		j.FinalizedAt = r.FinalizedAt.UTC()
	}
	for _, e := range r.Errors {
		j.Errors = append(j.Errors, fmt.Sprintf("attempt %d: %s", e.Attempt, e.Error))
	}
	if r.Kind == (ScanArgs{}).Kind() {
		var a ScanArgs
		if err := decodeArgs(r.EncodedArgs, &a); err == nil {
			j.Repo, j.Digest = a.Repo, a.Digest
		}
	}
	return j
}

// States a job can be in, as List takes and Job.State shows them.
var States = []string{"available", "scheduled", "running", "retryable", "completed", "discarded", "cancelled", "pending"}

// List returns up to n jobs (newest first) in the given states (none: all)
// with an ID below before (0: from the newest).
func (q *Queue) List(ctx context.Context, states []string, before int64, n int) ([]*Job, error) {
	if n <= 0 || n > 1000 {
		n = 100
	}
	params := river.NewJobListParams().First(n).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(states) > 0 {
		var ss []rivertype.JobState
		for _, s := range states {
			if !validState(s) {
				return nil, &ConfigError{fmt.Sprintf("jobs: unknown state %q (want one of %s)", s, strings.Join(States, ", "))}
			}
			ss = append(ss, rivertype.JobState(s))
		}
		params = params.States(ss...)
	}
	if before > 0 {
		params = params.Where("id < @before", river.NamedArgs{"before": before})
	}
	res, err := q.c.list(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]*Job, 0, len(res))
	for _, r := range res {
		out = append(out, jobOf(r))
	}
	return out, nil
}

func validState(s string) bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Counts returns how many jobs are in each state.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.st.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("jobs: count: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// backoff retries after 2^attempt seconds (2 s, 4 s, 8 s …), at most ten
// minutes, with up to a quarter more at random so retries spread out.
type backoff struct{}

func (backoff) NextRetry(j *rivertype.JobRow) time.Time {
	d := time.Duration(1<<min(j.Attempt, 10)) * time.Second
	d = min(d, 10*time.Minute)
	d += time.Duration(j.ID%4) * d / 16
	return time.Now().Add(d)
}
