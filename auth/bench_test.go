package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAuthorize measures one registry request's check: signature,
// claims, revocation list, account and membership lookups in SQLite.
func BenchmarkAuthorize(b *testing.B) {
	w := newWorld(b)
	tok := w.token(b, "wendy", "repository:team/app:pull,push").token
	r := request(tok)
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.svc.Authorize(r, "team/app", "push"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRobotToken measures a whole /token answer for a robot: its
// secret check (SHA-256), the grant, signing and the two audit rows.
func BenchmarkRobotToken(b *testing.B) {
	w := newWorld(b)
	h := w.svc.TokenHandler()
	req := httptest.NewRequest(http.MethodGet, "/token?service=drydock&scope=repository:team/app:pull,push", nil)
	req.SetBasicAuth("robot$team+ci", w.secrets["robot$team+ci"])
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
