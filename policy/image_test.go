package policy

import (
	"strings"
	"testing"
	"time"
)

func TestRegistriesAllowed(t *testing.T) {
	allowed := "registries:\n  allowed:\n    - registry.local:5000\n    - ghcr.io/example/\n    - docker.io/library\n"
	tests := []struct {
		name    string
		image   string // inventory.Name
		allowed bool
		wantMsg string // phrase in the reason when refused
	}{
		{"allowed host", "registry.local:5000/team/app", true, ""},
		{"allowed repository prefix", "ghcr.io/example/app", true, ""},
		{"allowed nested repository", "ghcr.io/example/team/app", true, ""},
		{"Docker Hub official image by short name", "alpine", true, ""},
		{"prefix is matched per path segment", "ghcr.io/example-evil/app", false, "ghcr.io/example-evil/app is not from an allowed registry"},
		{"host with another port", "registry.local:5001/team/app", false, "registry.local:5001/team/app"},
		{"host as a path segment elsewhere", "evil.io/registry.local:5000/app", false, "evil.io/registry.local:5000/app"},
		{"Docker Hub user image", "someone/alpine", false, "docker.io/someone/alpine is not from an allowed registry"},
		{"no name at all", "", false, "has no registry name"},
	}
	p := mustParse(t, allowed)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := testInventory()
			inv.Name = tt.image
			v := mustEvaluate(t, p, Input{Inventory: inv})
			r := reasonFor(v, RuleRegistries)
			if tt.allowed {
				if r != nil || !v.Pass {
					t.Fatalf("got reason %v, want %q allowed", r, tt.image)
				}
				return
			}
			if r == nil {
				t.Fatalf("got no %s reason, want %q refused", RuleRegistries, tt.image)
			}
			if !strings.Contains(r.Message, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", r.Message, tt.wantMsg)
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alpine", "docker.io/library/alpine"},
		{"library/alpine", "docker.io/library/alpine"},
		{"index.docker.io/library/alpine", "docker.io/library/alpine"},
		{"localhost/app", "localhost/app"},
		{"localhost:5000/app", "localhost:5000/app"},
		{"ghcr.io/example/app", "ghcr.io/example/app"},
	}
	for _, tt := range tests {
		if got := normalizeName(tt.in); got != tt.want {
			t.Errorf("normalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaxAge(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		maxAge  string
		created *time.Time // nil: the image states none
		wantMsg string     // phrase in the reason; "" for pass
	}{
		{"young enough", "90d", ago(89 * day), ""},
		{"exactly the maximum", "90d", ago(90 * day), ""},
		{"a second too old", "90d", ago(90*day + time.Second), "older than the maximum age of 90d"},
		{"weeks", "2w", ago(15 * day), "(15d ago), older than the maximum age of 2w"},
		{"hours", "36h", ago(37 * time.Hour), "(1d ago)"},
		{"no creation time", "90d", nil, "states no creation time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "maxAge: "+tt.maxAge+"\n")
			inv := testInventory()
			inv.Created = tt.created
			v := mustEvaluate(t, p, Input{Inventory: inv})
			r := reasonFor(v, RuleMaxAge)
			if tt.wantMsg == "" {
				if r != nil {
					t.Fatalf("got reason %v, want pass", r)
				}
				return
			}
			if r == nil || !strings.Contains(r.Message, tt.wantMsg) {
				t.Fatalf("got reason %v, want one containing %q", r, tt.wantMsg)
			}
		})
	}

	// Without maxAge, an image with no creation time passes.
	inv := testInventory()
	inv.Created = nil
	if v := mustEvaluate(t, mustParse(t, "severity:\n  failOn: high\n"), Input{Inventory: inv}); !v.Pass {
		t.Errorf("no maxAge, no creation time: reasons %v, want pass", v.Reasons)
	}
}

func ago(d time.Duration) *time.Time {
	t := testNow.Add(-d)
	return &t
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // 0: an error
	}{
		{"90d", 90 * 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"36h", 36 * time.Hour},
		{"0d", 0},
		{"-3d", 0},
		{"d", 0},
		{"1.5d", 0},
		{"99999999999d", 0},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("parseAge(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
