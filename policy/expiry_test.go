package policy_test

import (
	"testing"
	"time"

	"github.com/drydock/drydock/policy"
)

func TestNextExpiry(t *testing.T) {
	p, err := policy.Parse([]byte(`apiVersion: drydock/v1
kind: Policy
severity: {failOn: high}
exceptions:
  - {id: CVE-2024-1, reason: vendor patch due, expires: "2026-12-01"}
  - {id: CVE-2024-2, reason: not reachable, expires: "2026-12-01T06:00:00Z"}
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   string
		want string // "" for none
	}{
		{"2026-11-30T00:00:00Z", "2026-12-01T06:00:00Z"},
		{"2026-12-01T06:00:00Z", "2026-12-02T00:00:00Z"}, // the date means through the end of that day
		{"2026-12-02T00:00:00Z", ""},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		got, ok := p.NextExpiry(at)
		if c.want == "" {
			if ok {
				t.Errorf("NextExpiry(%s) = %s, want none", c.at, got)
			}
			continue
		}
		want, _ := time.Parse(time.RFC3339, c.want)
		if !ok || !got.Equal(want) {
			t.Errorf("NextExpiry(%s) = %s, %t; want %s", c.at, got, ok, want)
		}
	}
	if p.HasMaxAge() {
		t.Error("HasMaxAge = true for a policy without maxAge")
	}
}

func TestMaxAge(t *testing.T) {
	for _, c := range []struct {
		body string
		want time.Duration
	}{
		{"maxAge: 90d\n", 90 * 24 * time.Hour},
		{"maxAge: 2w\n", 14 * 24 * time.Hour},
		{"maxAge: 36h\n", 36 * time.Hour},
		{"severity: {failOn: high}\n", 0},
	} {
		p, err := policy.Parse([]byte("apiVersion: drydock/v1\nkind: Policy\n"+c.body), "p.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MaxAge(); got != c.want {
			t.Errorf("%q: MaxAge = %s, want %s", c.body, got, c.want)
		}
		if p.HasMaxAge() != (c.want > 0) {
			t.Errorf("%q: HasMaxAge = %t, want %t", c.body, p.HasMaxAge(), c.want > 0)
		}
	}
	if got := policy.Default().MaxAge(); got != 0 {
		t.Errorf("Default().MaxAge = %s, want 0", got)
	}
}
