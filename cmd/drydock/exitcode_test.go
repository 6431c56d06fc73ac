package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/vulndb"
)

// wrap wraps err n times with %w, as layers of callers would.
func wrap(err error, n int) error {
	for i := range n {
		err = fmt.Errorf("layer %d: %w", i, err)
	}
	return err
}

func TestExitCodeMapsLibraryErrorsThroughWrapping(t *testing.T) {
	_, badPolicy := policy.Parse([]byte("apiVersion: drydock/v1\nkind: Policy\nnosuchfield: 1\n"), "p.yaml")
	_, badSeverity := match.ParseSeverity("catastrophic")
	_, badFormat := report.ParseFormat("xml")
	_, badRole := auth.ParseRole("owner")
	_, noDB := vulndb.Open(context.Background(), t.TempDir()+"/missing.db")
	for name, err := range map[string]error{"policy": badPolicy, "severity": badSeverity, "format": badFormat, "role": badRole, "vulndb": noDB} {
		if err == nil {
			t.Fatalf("%s: the library accepted bad input; the test needs an error", name)
		}
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitPass},
		{"policy failure", &policy.Failure{Policy: policy.PolicyID{Name: "prod"}}, exitPolicy},
		{"policy failure wrapped 3 times", wrap(&policy.Failure{}, 3), exitPolicy},
		{"audit over --fail-on wrapped twice", wrap(&fleet.FailOnError{Threshold: match.SeverityHigh, Counts: fleet.Counts{High: 1}}, 2), exitPolicy},
		{"policy failure beside bad input", fmt.Errorf("%w; %w", wrap(badSeverity, 1), wrap(&policy.Failure{}, 2)), exitPolicy},
		{"bad policy file wrapped 4 times", wrap(badPolicy, 4), exitUsage},
		{"unknown severity wrapped twice", wrap(badSeverity, 2), exitUsage},
		{"unknown format wrapped once", wrap(badFormat, 1), exitUsage},
		{"unknown role wrapped 3 times", wrap(badRole, 3), exitUsage},
		{"missing vulnerability database wrapped twice", wrap(noDB, 2), exitUsage},
		{"feed 404", wrap(&vulndb.HTTPError{StatusCode: 404, Status: "404 Not Found"}, 2), exitUsage},
		{"feed 502 is drydock's problem", wrap(&vulndb.HTTPError{StatusCode: 502, Status: "502 Bad Gateway"}, 2), exitInternal},
		{"usage error", wrap(usageError{errors.New("bad flag")}, 2), exitUsage},
		{"joined with a policy failure", errors.Join(errors.New("x"), wrap(&policy.Failure{}, 2)), exitPolicy},
		{"plain error", wrap(errors.New("disk on fire"), 3), exitInternal},
		{"interrupted", wrap(context.Canceled, 1), exitInternal},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}
