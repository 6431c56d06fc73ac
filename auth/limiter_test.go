package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auth"
)

// loginFrom asks the token handler directly as user with secret from the
// client address addr (the limiter keys on it), and returns the status.
func loginFrom(w *world, addr, user, secret string) int {
	req := httptest.NewRequest(http.MethodGet, "http://registry.test/token?service=drydock", nil)
	req.RemoteAddr = addr + ":40000"
	req.SetBasicAuth(user, secret)
	rec := httptest.NewRecorder()
	w.svc.TokenHandler().ServeHTTP(rec, req)
	return rec.Code
}

// TestParallelGuessesAreLimited: 40 wrong passwords for one user from one
// address, all in flight at once, get at most the burst checked and the
// rest 429 without a password check. Every admitted attempt is held at the
// check until all 40 are either admitted or refused, so no failure is
// counted before the others ask: exactly the race the limiter must win.
func TestParallelGuessesAreLimited(t *testing.T) {
	t.Parallel()
	const burst, n = 10, 40
	w := newWorld(t, auth.WithLoginLimit(burst, time.Minute))
	admitted := make(chan struct{}, n)
	release := make(chan struct{})
	var inside, most atomic.Int32
	auth.SetLoginHooks(w.svc, func() {
		admitted <- struct{}{}
		<-release
	}, func() {
		now := inside.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		defer inside.Add(-1)
	})
	results := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { results <- loginFrom(w, "10.0.0.9", "alice", "wrong password!") })
	}
	checked, limited := 0, 0
	for checked+limited < n {
		select {
		case <-admitted:
			checked++
		case status := <-results:
			if status != http.StatusTooManyRequests {
				t.Fatalf("an answer %d came before the held checks were released", status)
			}
			limited++
		case <-t.Context().Done():
			t.Fatal("test ended before every guess was admitted or refused")
		}
	}
	close(release)
	wg.Wait()
	close(results)
	for status := range results {
		if status != http.StatusUnauthorized {
			t.Errorf("a checked guess answered %d, want 401", status)
		}
	}
	t.Logf("%d parallel guesses: %d checked, %d answered 429 at once; at most %d bcrypt compares ran together (bound %d)",
		n, checked, limited, most.Load(), auth.CompareBound(w.svc))
	if checked > burst || checked+limited != n {
		t.Errorf("%d guesses checked and %d refused, want at most %d checked and the rest refused", checked, limited, burst)
	}
	if int(most.Load()) > auth.CompareBound(w.svc) {
		t.Errorf("%d bcrypt compares ran at once, over the bound of %d", most.Load(), auth.CompareBound(w.svc))
	}
}

// TestGuessingCannotLockOutTheUser: an attacker burning alice's budget
// from one address does not stop alice, with her password, from another;
// only guesses from many addresses reach the per-user ceiling.
func TestGuessingCannotLockOutTheUser(t *testing.T) {
	t.Parallel()
	const burst = 3
	w := newWorld(t, auth.WithLoginLimit(burst, time.Minute))
	for i := range 10 {
		want := http.StatusUnauthorized
		if i >= burst {
			want = http.StatusTooManyRequests
		}
		if got := loginFrom(w, "10.6.6.6", "alice", "wrong password!"); got != want {
			t.Fatalf("guess %d from the attacker: %d, want %d", i+1, got, want)
		}
	}
	if got := loginFrom(w, "10.1.1.1", "alice", pw); got != http.StatusOK {
		t.Errorf("alice with her password from her own address: %d, want 200", got)
	}
	// Right passwords do not drain anything: she logs in again and again.
	for range 2 * burst {
		if got := loginFrom(w, "10.1.1.1", "alice", pw); got != http.StatusOK {
			t.Fatalf("alice logging in repeatedly: %d, want 200", got)
		}
	}
	// A flood from many addresses meets the per-user ceiling (10× the
	// burst): then even her own address waits, which is the documented price.
	for i := range 10*burst - burst { // the attacker's first address spent burst
		if got := loginFrom(w, fmt.Sprintf("10.2.0.%d", i), "alice", "wrong password!"); got != http.StatusUnauthorized {
			t.Fatalf("distributed guess %d: %d, want 401", i+1, got)
		}
	}
	if got := loginFrom(w, "10.1.1.1", "alice", pw); got != http.StatusTooManyRequests {
		t.Errorf("after %d guesses from many addresses: %d, want 429 from the per-user ceiling", 10*burst, got)
	}
}

// TestUnknownUserCostsTheSame: the hash compared for an unknown user has
// the cost new passwords get, so timing does not tell names apart.
func TestUnknownUserCostsTheSame(t *testing.T) {
	t.Parallel()
	w := newWorld(t, auth.WithBcryptCost(11))
	cost, err := bcrypt.Cost(auth.DummyHash(w.svc))
	if err != nil || cost != 11 {
		t.Errorf("dummy hash cost %d (%v), want the configured 11", cost, err)
	}
}
