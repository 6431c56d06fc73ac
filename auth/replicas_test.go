package auth_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestReplicasShareOneKey starts several services at once on one fresh
// database, as replicas behind a load balancer do, and checks that they
// agree on the signing key: a token from any of them passes every other.
// It runs on SQLite and on the real PostgreSQL.
func TestReplicasShareOneKey(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		const n = 4
		svcs := make([]*auth.Service, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svcs[i], errs[i] = auth.New(ctx, st, auth.WithBcryptCost(10), quiet)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: %v", i, err)
			}
		}
		if err := svcs[0].CreateNamespace(ctx, local, "team", false); err != nil {
			t.Fatal(err)
		}
		if err := svcs[0].AddUser(ctx, local, "root", pw, true); err != nil {
			t.Fatal(err)
		}
		for i, from := range svcs {
			tok := tokenFrom(t, from, "root", pw)
			for j, to := range svcs {
				r, _ := http.NewRequest(http.MethodGet, "http://registry.test/v2/team/app/manifests/v1", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				if _, err := to.Authorize(r, "team/app", auth.ActionPull); err != nil {
					t.Errorf("token from replica %d refused by replica %d: %v", i, j, err)
				}
			}
		}
	})
}
