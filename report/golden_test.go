package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the writers' output")

// TestGolden compares every format's output for the fixture scan with the
// snapshot in testdata/golden, so a change in what users and programs read
// shows in review. Run with -update to accept a change.
func TestGolden(t *testing.T) {
	r := scanned(t)
	r.Verdict = judge(t, r, policy.WithFailOn(match.SeverityHigh))
	r.Warnings = []string{"1 rpm package(s) have no OSV ecosystem or name and were not matched"}
	for _, f := range report.Formats {
		t.Run(string(f), func(t *testing.T) {
			got := write(t, f, r)
			path := filepath.Join("testdata", "golden", "scan."+string(f))
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s (go test -update accepts it):\n%s", f, path, got)
			}
		})
	}
}
