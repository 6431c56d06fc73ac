package fleet

import "context"

// analyzeReport fills what needs the private registry's store (verdicts,
// staleness, origin, sprawl, the update plan).
//
// TODO(fleet-core): call analyze (fleet/analyze.go, branch fleet-analysis)
// once it is on main.
func analyzeReport(ctx context.Context, cfg Config, rep *Report) error { return nil }
