package registry_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

// TestRetention: "keep the newest 2" in team, "used within 7 days" for
// team/old; a dry run lists and deletes nothing, the real run deletes
// exactly the listed tags as events, and an immutable tag stays.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	events := &eventLog{}
	srv, rg := newGatedServerOn(t, st, registry.OpenGate{}, events)
	svc := rg.Service()
	img, _ := random.Image(256, 1)
	for _, tag := range []string{"t1", "t2", "t3", "t4", "t5"} {
		if err := crane.Push(img, host(srv)+"/team/app:"+tag, crane.Insecure); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct push times order the tags
	}
	other, _ := random.Image(256, 1)
	od, _ := other.Digest()
	unused, _ := random.Image(256, 1)
	for tag, im := range map[string]v1.Image{"a": other, "b": unused} {
		if err := crane.Push(im, host(srv)+"/team/old:"+tag, crane.Insecure); err != nil {
			t.Fatal(err)
		}
	}
	who := registry.Caller{Principal: auth.Local("ops")}
	if err := svc.SetRetentionRule(ctx, who, "team", 2, 0); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetRetentionRule(ctx, who, "team/old", 0, 7); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddImmutableTagRule(ctx, who, "team", "t1"); err != nil {
		t.Fatal(err)
	}
	var re *registry.RuleError
	for _, bad := range []struct {
		scope      string
		last, days int
	}{{"team", 0, 0}, {"team", -1, 3}, {"Team", 1, 0}, {"team//x", 1, 0}} {
		if err := svc.SetRetentionRule(ctx, who, bad.scope, bad.last, bad.days); err == nil || (!errors.As(err, &re) && !strings.Contains(err.Error(), "namespace")) {
			t.Errorf("SetRetentionRule(%+v) = %v, want an input error", bad, err)
		}
	}
	// A month on, team/old's "a" was pulled last week; "b" was not.
	later := time.Now().AddDate(0, 1, 0)
	if err := st.MarkPulled(ctx, "team/old", od.String(), later.AddDate(0, 0, -3)); err != nil {
		t.Fatal(err)
	}

	var dry bytes.Buffer
	rep, err := svc.ApplyRetention(ctx, who, registry.RetentionOptions{Now: later, Log: &dry})
	if err != nil {
		t.Fatal(err)
	}
	want := registry.RetentionReport{Repositories: 2, Kept: 3, Removed: 3, Immutable: 1, DryRun: true}
	if rep != want {
		t.Errorf("dry run = %+v, want %+v", rep, want)
	}
	for _, line := range []string{"would delete team/app:t2", "would delete team/app:t3", "would delete team/old:b"} {
		if !strings.Contains(dry.String(), line) {
			t.Errorf("dry run output lacks %q:\n%s", line, dry.String())
		}
	}
	if tags, _ := crane.ListTags(host(srv)+"/team/app", crane.Insecure); len(tags) != 5 {
		t.Fatalf("a dry run deleted tags: %v", tags)
	}

	rep, err = svc.ApplyRetention(ctx, who, registry.RetentionOptions{Now: later, Delete: true})
	want.DryRun = false
	if err != nil || rep != want {
		t.Errorf("retention = %+v, %v; want %+v", rep, err, want)
	}
	for repo, wantTags := range map[string]string{"team/app": "t1,t4,t5", "team/old": "a"} {
		if tags, _ := crane.ListTags(host(srv)+"/"+repo, crane.Insecure); strings.Join(tags, ",") != wantTags {
			t.Errorf("tags of %s = %v, want %s", repo, tags, wantTags)
		}
	}
	rg.Close()
	if n := events.count(registry.EventTagDeleted, ""); n != 3 {
		t.Errorf("%d tag-deleted events, want 3", n)
	}
}
