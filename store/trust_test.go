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
