package enforce

import (
	"context"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
)

// State says where a manifest's scan stands.
type State int

// The states of a scan.
const (
	// StatePending: queued or running; nothing to judge yet.
	StatePending State = iota
	// StateScanned: the inventory and findings are stored.
	StateScanned
	// StateFailed: the scan could not be done (Error says why).
	StateFailed
)

// ScanResult is what the scanner stored about one manifest digest.
type ScanResult struct {
	State State
	// Error is why the scan failed, for StateFailed.
	Error string
	// Inventory and Findings (before any policy suppression) are set for
	// StateScanned.
	Inventory *inventory.Inventory
	Findings  []match.Finding
	// Verdict is the verdict stored with the result, if any: the rematch
	// compares against it to find flips.
	Verdict *policy.Verdict
	// Version changes whenever the stored result is rewritten (a new scan,
	// a rematch); cached decisions are keyed by it.
	Version string
}

// Scans is where scan results are kept by manifest digest. The scanner's
// store implements it; the gate and the rematch only read and rewrite
// results, they never scan.
type Scans interface {
	// Result returns what is stored for dgst, or (nil, nil) when nothing
	// is: no scan was queued or it has not started.
	Result(ctx context.Context, dgst digest.Digest) (*ScanResult, error)
}

// RematchStore is what a rematch needs beyond Scans: the digests that have
// stored results, and a way to write a result back.
type RematchStore interface {
	Scans
	// Scanned lists every digest with a StateScanned result.
	Scanned(ctx context.Context) ([]digest.Digest, error)
	// Rematched stores new findings and their verdict for dgst, keeping
	// the inventory; the scanner records dbVersion as the database used.
	Rematched(ctx context.Context, dgst digest.Digest, findings []match.Finding, v *policy.Verdict, dbVersion string) error
}
