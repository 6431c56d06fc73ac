package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestNamespaceTrustAndKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		prot := store.NamespaceTrust{Namespace: "prod", Protected: true, RequireSignature: true, Updated: now, UpdatedBy: "alice"}
		if err := st.PutNamespaceTrust(ctx, prot); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("PutNamespaceTrust for a missing namespace = %v, want ErrNotFound", err)
		}
		key := store.TrustedKey{Namespace: "prod", Name: "ci", PublicKey: "-----BEGIN PUBLIC KEY-----\n", Hint: "abc=", Added: now, AddedBy: "alice"}
		if err := st.AddTrustedKey(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("AddTrustedKey for a missing namespace = %v, want ErrNotFound", err)
		}
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: "prod", Created: now}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetNamespaceTrust(ctx, "prod"); err != nil || got.Protected || got.RequireSignature {
			t.Fatalf("GetNamespaceTrust before any = %+v, %v; want unprotected", got, err)
		}
		if err := st.PutNamespaceTrust(ctx, prot); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetNamespaceTrust(ctx, "prod"); err != nil || got != prot {
			t.Fatalf("GetNamespaceTrust = %+v, %v; want %+v", got, err, prot)
		}
		prot.RequireSignature = false
		if err := st.PutNamespaceTrust(ctx, prot); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetNamespaceTrust(ctx, "prod"); got.RequireSignature {
			t.Error("RequireSignature not replaced")
		}
		if err := st.AddTrustedKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		key2 := key
		key2.Name, key2.Hint = "backup", "def="
		if err := st.AddTrustedKey(ctx, key2); err != nil {
			t.Fatal(err)
		}
		keys, err := st.TrustedKeys(ctx, "prod")
		if err != nil || len(keys) != 2 || keys[0] != key2 || keys[1] != key {
			t.Fatalf("TrustedKeys = %+v, %v; want backup then ci", keys, err)
		}
		if err := st.RemoveTrustedKey(ctx, "prod", "ci"); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveTrustedKey(ctx, "prod", "ci"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second RemoveTrustedKey = %v, want ErrNotFound", err)
		}
		if keys, _ := st.TrustedKeys(ctx, "prod"); len(keys) != 1 {
			t.Errorf("%d keys after removal, want 1", len(keys))
		}
		if other, err := st.TrustedKeys(ctx, "other"); err != nil || len(other) != 0 {
			t.Errorf("TrustedKeys of another namespace = %v, %v", other, err)
		}
	})
}

func TestSourceRepos(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.SetSourceRepos(ctx, "prod", []string{"https://git.example/a"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SetSourceRepos for a missing namespace = %v, want ErrNotFound", err)
		}
		for _, ns := range []string{"prod", "other"} {
			if err := st.CreateNamespace(ctx, auth.Namespace{Name: ns, Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := st.SourceRepos(ctx, "prod"); err != nil || len(got) != 0 {
			t.Fatalf("SourceRepos before any = %v, %v; want none", got, err)
		}
		want := []string{"https://git.example/a", "https://git.example/b"}
		if err := st.SetSourceRepos(ctx, "prod", []string{want[1], want[0], want[1]}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetSourceRepos(ctx, "other", []string{"https://git.example/c"}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.SourceRepos(ctx, "prod"); err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("SourceRepos = %v, %v; want %v", got, err, want)
		}
		if err := st.SetSourceRepos(ctx, "prod", []string{"https://git.example/d"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.SourceRepos(ctx, "prod"); len(got) != 1 || got[0] != "https://git.example/d" {
			t.Errorf("SourceRepos after replacing = %v", got)
		}
		if err := st.SetSourceRepos(ctx, "prod", nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.SourceRepos(ctx, "prod"); len(got) != 0 {
			t.Errorf("SourceRepos after clearing = %v", got)
		}
		if got, _ := st.SourceRepos(ctx, "other"); len(got) != 1 {
			t.Errorf("SourceRepos of another namespace = %v; want its own one", got)
		}
	})
}
