package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/webhook"
)

// TestScanAndVerdictWebhooks: a finished scan, a verdict a scan changed
// and one a rematch flipped reach the namespace's webhook, signed, with
// the verdict's status, its previous one and the reasons.
func TestScanAndVerdictWebhooks(t *testing.T) {
	t.Parallel()
	const secret = "a secret of some length"
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !webhook.Verify(secret, b, r.Header.Get(webhook.SignatureHeader)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		json.Unmarshal(b, &ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer hook.Close()
	ctx := t.Context()
	s, err := New(ctx, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Anonymous: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.hooks.AddEndpoint(ctx, auth.Principal{}, "team", hook.URL, secret, nil); err != nil {
		t.Fatal(err)
	}
	d := "sha256:" + strings.Repeat("ab", 32)
	fail := &store.Verdict{Digest: d, Status: store.VerdictFail, FailOn: "high", Counts: store.SeverityCounts{High: 1},
		Reasons:  []store.VerdictReason{{Rule: "severity.failOn", Message: "1 high", IDs: []string{"CVE-2024-3094"}}},
		Blocking: []store.BlockingFinding{{ID: "CVE-2024-3094", Package: "xz-utils", Version: "5.6.0", Severity: "high", Fixed: []string{"5.6.1"}}}}
	s.scanCompleted(jobs.ScanCompleted{Repo: "team/app", Digest: d, Verdict: fail})
	s.verdictChanged(jobs.VerdictChanged{Repo: "team/app", Digest: d, From: store.VerdictPass, To: store.VerdictFail, Verdict: fail})
	s.flipHook(enforce.Flip{Digest: digest.Digest(d), Repos: []string{"team/app", "other/app"}, Pass: true, Verdict: &policy.Verdict{Pass: true}, Time: time.Now()})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := s.hooks.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("received %d events, want 3 (other/app has no webhook): %v", len(got), got)
	}
	want := []struct{ typ, status, from, cause string }{
		{"dev.drydock.scan.completed", "fail", "", "scan"},
		{"dev.drydock.verdict.changed", "fail", "pass", "scan"},
		{"dev.drydock.verdict.changed", "pass", "fail", "rematch"},
	}
	for i, w := range want {
		data, _ := got[i]["data"].(map[string]any)
		if got[i]["type"] != w.typ || got[i]["subject"] != "team/app@"+d || data["status"] != w.status || data["cause"] != w.cause ||
			(w.from != "" && data["from"] != w.from) {
			t.Errorf("event %d = %v, want %s %s (from %q) by %s", i, got[i], w.typ, w.status, w.from, w.cause)
		}
	}
	if data := got[0]["data"].(map[string]any); data["fail_on"] != "high" || data["blocking"] == nil || data["reasons"] == nil {
		t.Errorf("scan.completed data = %v, want fail_on, reasons and blocking findings", data)
	}
}
