package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/store/storetest"
)

// TestStaleNamespacePolicy: with the registry's namespace policies, an
// image of the private registry is held to its namespace's maxAge (team's
// 5d), while an image from elsewhere keeps the audit's own policy (90d).
func TestStaleNamespacePolicy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, storetest.SQLite(t))
	if err := w.st.CreateNamespace(ctx, auth.Namespace{Name: "team", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	settings, err := enforce.NewSettings(ctx, w.st)
	if err != nil {
		t.Fatal(err)
	}
	yaml := "apiVersion: drydock/v1\nkind: Policy\nname: team\nmaxAge: 5d\n"
	if _, err := settings.Set(ctx, auth.Principal{Kind: "user", Name: "admin", Admin: true}, "team", enforce.Change{Policy: []byte(yaml)}); err != nil {
		t.Fatal(err)
	}
	cfg := w.config()
	cfg.Policies = settings
	rep := w.report()
	created := w.now.Add(-30 * 24 * time.Hour)
	for _, img := range rep.Images {
		img.Created = &created
	}
	if err := analyze(ctx, cfg, rep); err != nil {
		t.Fatal(err)
	}
	for _, img := range rep.Images {
		s := img.Staleness
		want, over := 5, true // team's namespace policy
		if img.Digest == w.nginx {
			want, over = 90, false // from elsewhere: the audit's policy
		}
		if s == nil || s.MaxAgeDays != want || s.OverMaxAge != over || s.AgeDays != 30 {
			t.Errorf("%s: staleness %+v, want maxAge %dd, over %v, age 30", img.Repository, s, want, over)
		}
	}
}
