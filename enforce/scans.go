package enforce

import (
	"context"
	"time"

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
	// StateScanned: the inventory and findings are stored (for an index:
	// its platform manifests are, and Children lists them).
	StateScanned
	// StateFailed: the scan could not be done (Error says why).
	StateFailed
)

// ScanResult is what is stored about one manifest digest in one
// repository's namespace.
type ScanResult struct {
	State State
	// Error is why the scan failed, for StateFailed.
	Error string
	// Inventory and Findings (every finding, before any policy
	// suppression) are set for a scanned image.
	Inventory *inventory.Inventory
	Findings  []match.Finding
	// Children are the platform manifests of a scanned index, each judged
	// on its own.
	Children []digest.Digest
	// Pass is the stored verdict under the namespace's policy, when one is
	// stored; the rematch compares against it to find flips.
	Pass *bool
	// Version changes whenever the stored result is rewritten (a new scan,
	// a rematch); cached decisions are keyed by it.
	Version string
}

// Scans is where scan results are kept. The gate and the rematch only read
// and rewrite results, they never scan.
type Scans interface {
	// Result returns what is stored for dgst as pushed to repo (whose
	// namespace's verdict counts), or (nil, nil) when nothing is: no scan
	// was queued or it has not started.
	Result(ctx context.Context, repo string, dgst digest.Digest) (*ScanResult, error)
}

// Rematch is one rewritten result: new findings for dgst and the verdict
// they give under one namespace's policy.
type Rematch struct {
	Namespace string
	Digest    digest.Digest
	Inventory *inventory.Inventory
	Findings  []match.Finding
	Verdict   *policy.Verdict
	// Built and Checked identify the vulnerability database matched.
	Built, Checked time.Time
}

// RematchStore is what a rematch needs beyond Scans: the digests with a
// stored SBOM, and a way to write a result back.
type RematchStore interface {
	Scans
	// Scanned lists every digest with a stored SBOM.
	Scanned(ctx context.Context) ([]digest.Digest, error)
	// Rematched stores r's findings and verdict, keeping the inventory.
	Rematched(ctx context.Context, r Rematch) error
}
