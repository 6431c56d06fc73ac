package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// backend hides River's transaction type parameter (pgx.Tx on PostgreSQL,
// *sql.Tx on SQLite) from the rest of the package.
type backend interface {
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error)
	subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

type riverBackend[TTx any] struct{ c *river.Client[TTx] }

func newBackend[TTx any](d riverdriver.Driver[TTx], cfg *river.Config) (backend, error) {
	c, err := river.NewClient(d, cfg)
	if err != nil {
		return nil, err
	}
	return riverBackend[TTx]{c}, nil
}

func (b riverBackend[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return b.c.Insert(ctx, args, opts)
}

func (b riverBackend[TTx]) list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error) {
	res, err := b.c.JobList(ctx, params)
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

func (b riverBackend[TTx]) subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return b.c.Subscribe(kinds...)
}

func (b riverBackend[TTx]) start(ctx context.Context) error { return b.c.Start(ctx) }
func (b riverBackend[TTx]) stop(ctx context.Context) error  { return b.c.Stop(ctx) }

func decodeArgs(b []byte, v any) error { return json.Unmarshal(b, v) }
