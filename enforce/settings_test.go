package enforce_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/store/storetest"
)

func TestSettingsSetValidatesAndAudits(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	on := true
	for _, c := range []struct {
		name   string
		actor  auth.Principal
		ns     string
		policy string
		want   string // in the error
		input  bool   // InvalidInput
	}{
		{"bad yaml", admin, "prod", "severity: [", "policy for namespace prod", true},
		{"unknown severity", admin, "prod", "apiVersion: drydock/v1\nkind: Policy\nseverity: {failOn: hihg}\n", "hihg", true},
		{"vex files", admin, "prod", "apiVersion: drydock/v1\nkind: Policy\nvex: [/etc/passwd]\n", "cannot name VEX files", true},
		{"missing namespace", admin, "ghost", highPolicy, "namespace ghost: auth: not found", false},
		{"not an admin", auth.Principal{Name: "bob", Kind: "user"}, "prod", highPolicy, "needs an admin of namespace prod", false},
	} {
		_, err := f.settings.Set(ctx, c.actor, c.ns, enforce.Change{Enforce: &on, Policy: []byte(c.policy)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Set = %v, want an error saying %q", c.name, err, c.want)
			continue
		}
		var in interface{ InvalidInput() bool }
		if got := errors.As(err, &in) && in.InvalidInput(); got != c.input {
			t.Errorf("%s: InvalidInput = %t, want %t (%v)", c.name, got, c.input, err)
		}
	}
	if n, ok := f.settings.Lookup(ctx, "prod"); ok {
		t.Fatalf("a refused Set stored settings: %+v", n)
	}
	p, _ := f.settings.Policy(ctx, "prod")
	if p.ID().Name != "default" {
		t.Errorf("Policy(prod) without settings = %s, want the default policy", p.ID().Name)
	}

	n, err := f.settings.Set(ctx, admin, "prod", enforce.Change{Enforce: &on, Policy: []byte(highPolicy)})
	if err != nil || !n.Enforce || n.Policy == nil || n.PolicyYAML != highPolicy || n.UpdatedBy != "admin" {
		t.Fatalf("Set = %+v, %v", n, err)
	}
	// Turning enforcement off keeps the policy.
	off := false
	if n, err = f.settings.Set(ctx, admin, "prod", enforce.Change{Enforce: &off}); err != nil || n.Enforce || n.PolicyYAML != highPolicy {
		t.Fatalf("Set(off) = %+v, %v", n, err)
	}
	if p, _ := f.settings.Policy(ctx, "prod"); p.ID().Name != "prod" {
		t.Errorf("Policy(prod) = %s, want prod", p.ID().Name)
	}
	evs, err := f.audit.Query(ctx, auditlog.Filter{Action: "namespace.enforcement"})
	if err != nil {
		t.Fatal(err)
	}
	var allowed, denied int
	for _, e := range evs {
		switch e.Outcome {
		case auditlog.OutcomeAllowed:
			allowed++
			if e.Target != n.Policy.ID().Digest {
				t.Errorf("audit target = %q, want the policy digest %s", e.Target, n.Policy.ID().Digest)
			}
		case auditlog.OutcomeDenied:
			denied++
		}
	}
	if allowed != 2 || denied != 1 {
		t.Errorf("audit: %d allowed, %d denied; want 2 and 1: %+v", allowed, denied, evs)
	}
}

func TestSettingsSeeOtherReplicasAfterRefresh(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	other, err := enforce.NewSettings(ctx, st, enforce.WithClock(f.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	f.enforce(t, "prod", highPolicy)
	if _, ok := other.Lookup(ctx, "prod"); ok {
		t.Fatal("another replica saw the change before its refresh interval")
	}
	f.clock.set(f.clock.now().Add(6e9))
	if n, ok := other.Lookup(ctx, "prod"); !ok || !n.Enforce {
		t.Fatalf("after the refresh interval: %+v, %t", n, ok)
	}
}
