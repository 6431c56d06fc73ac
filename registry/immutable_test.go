package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/registry"
)

// TestImmutableTags: under the rule team:v*, v1 may be created and pushed
// again with the same content, but not moved or deleted (alone or with its
// manifest); other tags move freely; bad patterns are refused.
func TestImmutableTags(t *testing.T) {
	ctx := context.Background()
	events := &eventLog{}
	srv, rg := newGatedServer(t, registry.OpenGate{}, events)
	svc := rg.Service()
	if err := svc.AddImmutableTagRule(ctx, registry.Caller{}, "team", "v*"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"v/*", "[", "a b", strings.Repeat("x", 129)} {
		var re *registry.RuleError
		if err := svc.AddImmutableTagRule(ctx, registry.Caller{}, "team", bad); !errors.As(err, &re) || !re.InvalidInput() {
			t.Errorf("pattern %q accepted (%v), want an input error", bad, err)
		}
	}
	one, _ := random.Image(256, 1)
	two, _ := random.Image(256, 1)
	d1, _ := one.Digest()
	for _, tag := range []string{"v1", "latest"} {
		if err := crane.Push(one, host(srv)+"/team/app:"+tag, crane.Insecure); err != nil {
			t.Fatalf("first push of %s: %v", tag, err)
		}
	}
	if err := crane.Push(one, host(srv)+"/team/app:v1", crane.Insecure); err != nil {
		t.Errorf("pushing the same content to v1 again: %v", err)
	}
	if err := crane.Push(two, host(srv)+"/team/app:latest", crane.Insecure); err != nil {
		t.Errorf("moving latest (no rule): %v", err)
	}
	err := crane.Push(two, host(srv)+"/team/app:v1", crane.Insecure)
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != 403 || te.Errors[0].Code != transport.DeniedErrorCode ||
		!strings.Contains(te.Errors[0].Message, `immutable (namespace rule "v*")`) {
		t.Errorf("moving v1 = %v, want 403 DENIED naming the rule", err)
	}
	if got, _ := crane.Digest(host(srv)+"/team/app:v1", crane.Insecure); got != d1.String() {
		t.Errorf("v1 = %s after the refused move, want %s", got, d1)
	}
	for _, path := range []string{"/v2/team/app/manifests/v1", "/v2/team/app/manifests/" + d1.String()} {
		if status, _, code, body := do(t, srv, call{"DELETE", path, nil, ""}); status != 403 || code != "DENIED" || !strings.Contains(string(body), "cannot be deleted") {
			t.Errorf("DELETE %s = %d %s %s, want 403 DENIED", path, status, code, body)
		}
	}
	// Other namespaces are not covered, and removing the rule frees v1.
	if err := crane.Push(one, host(srv)+"/other/app:v1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	if err := crane.Push(two, host(srv)+"/other/app:v1", crane.Insecure); err != nil {
		t.Errorf("moving v1 in a namespace without rules: %v", err)
	}
	if err := svc.RemoveImmutableTagRule(ctx, registry.Caller{}, "team", "v*"); err != nil {
		t.Fatal(err)
	}
	if status, _, _, body := do(t, srv, call{"DELETE", "/v2/team/app/manifests/v1", nil, ""}); status != 202 {
		t.Errorf("DELETE v1 after the rule went = %d %s, want 202", status, body)
	}
	rg.Close()
	if n := events.count(registry.EventPushDenied, ""); n != 3 {
		t.Errorf("%d push-denied events, want 3 (one move, two deletes)", n)
	}
}
