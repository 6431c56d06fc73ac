package fleet_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/webhook"
)

const hookSecret = "a secret of some length"

// hookReceiver is a loopback webhook endpoint that keeps every event whose
// signature checks, by namespace (the last part of its source).
type hookReceiver struct {
	mu     sync.Mutex
	events map[string][]map[string]any
	bad    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev map[string]any
	if !webhook.Verify(hookSecret, body, r.Header.Get(webhook.SignatureHeader)) || json.Unmarshal(body, &ev) != nil {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	src, _ := ev["source"].(string)
	ns := src[strings.LastIndexByte(src, '/')+1:]
	if h.events == nil {
		h.events = map[string][]map[string]any{}
	}
	h.events[ns] = append(h.events[ns], ev)
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, evs := range h.events {
		n += len(evs)
	}
	return n
}

// TestNotify: a report with a new vulnerability hitting a private image of
// namespace team and an image from Docker Hub, and an older finding in
// namespace shop's image, sends team one audit.vulnerability event naming
// only team's image and workload, and each of team and shop one
// audit.completed summary of its own images; the outside image, and the
// outside name of a private image, reach no webhook.
func TestNotify(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := t.Context()
	rc := &hookReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := webhook.New(st, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"team", "shop", "library", "mirrored"} {
		if _, err := s.AddEndpoint(ctx, auth.Principal{}, ns, srv.URL, hookSecret, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := func(c string) digest.Digest { return digest.Digest("sha256:" + strings.Repeat(c, 64)) }
	web := fleet.Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	cart := fleet.Workload{Kind: "Deployment", Namespace: "prod", Name: "cart"}
	proxy := fleet.Workload{Kind: "DaemonSet", Namespace: "infra", Name: "proxy"}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rep := &fleet.Report{ID: 7, Started: now, Finished: now.Add(time.Second), Sources: []string{"inventory production.yaml"},
		Images: []*fleet.Image{
			{Digest: d("a"), Refs: []string{"reg.example:5000/team/app:1.2"}, Repository: "reg.example:5000/team/app", Private: true,
				Workloads: []fleet.Workload{web}, Counts: fleet.Counts{High: 1, Low: 2}},
			{Digest: d("b"), Refs: []string{"reg.example:5000/shop/cart:3"}, Repository: "reg.example:5000/shop/cart", Private: true,
				Workloads: []fleet.Workload{cart}, Counts: fleet.Counts{Medium: 1}},
			// One digest pulled by two names: only the private one counts.
			{Digest: d("d"), Refs: []string{"mirror.example/mirrored/cart:4", "reg.example:5000/shop/cart:4"}, Repository: "mirror.example/mirrored/cart",
				Private: true, Workloads: []fleet.Workload{cart}, Counts: fleet.Counts{Low: 1}},
			{Digest: d("c"), Refs: []string{"library/nginx:1.25"}, Repository: "library/nginx", Workloads: []fleet.Workload{proxy},
				Counts: fleet.Counts{High: 1}},
		},
		New: []fleet.NewVulnerability{{ID: "CVE-2023-45853", Severity: "high", Packages: []string{"zlib1g 1:1.2.13.dfsg-1"}, FixAvailable: true,
			Images: []digest.Digest{d("a"), d("c")}, Workloads: []fleet.Workload{web, proxy}}},
		Plan: []fleet.PlanStep{{Workload: web, Container: "app", Current: d("a"), Target: d("f")}},
	}
	if err := fleet.Notify(ctx, s, rep); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); rc.count() < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := s.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond) // anything more than expected would arrive now
	if _, err := s.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 || len(rc.events["team"]) != 2 || len(rc.events["shop"]) != 1 || len(rc.events["library"]) != 0 || len(rc.events["mirrored"]) != 0 {
		t.Fatalf("events by namespace = %v (%d badly signed); want team 2, shop 1, library and mirrored none", rc.events, rc.bad)
	}
	vuln, done := rc.events["team"][0], rc.events["team"][1]
	if vuln["type"] != "dev.drydock.audit.vulnerability" || vuln["subject"] != "CVE-2023-45853" {
		t.Errorf("team's first event = %v, want audit.vulnerability about CVE-2023-45853", vuln)
	}
	data, _ := json.Marshal(vuln["data"])
	var got struct {
		Audit        int64
		ID           string
		FixAvailable bool `json:"fix_available"`
		Images       []struct {
			Repositories []string
			Digest       string
		}
		Workloads []fleet.Workload
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Audit != 7 || got.ID != "CVE-2023-45853" || !got.FixAvailable || len(got.Images) != 1 || got.Images[0].Digest != d("a").String() ||
		!slices.Equal(got.Images[0].Repositories, []string{"team/app"}) || !slices.Equal(got.Workloads, []fleet.Workload{web}) {
		t.Errorf("audit.vulnerability data = %s; want team/app@%s run by %s only", data, d("a"), web)
	}
	for _, c := range []struct {
		ns      string
		ev      map[string]any
		images  int
		new     []any
		updates float64
		high    float64
	}{{"team", done, 1, []any{"CVE-2023-45853"}, 1, 1}, {"shop", rc.events["shop"][0], 2, []any{}, 0, 0}} {
		data, _ := c.ev["data"].(map[string]any)
		counts, _ := data["counts"].(map[string]any)
		images, _ := data["images"].([]any)
		newIDs, _ := data["new"].([]any)
		if c.ev["type"] != "dev.drydock.audit.completed" || c.ev["subject"] != "audit/7" || len(images) != c.images ||
			!slices.Equal(newIDs, c.new) || data["updates"] != c.updates || counts["high"] != c.high {
			t.Errorf("%s's audit.completed = %v; want %d image, new %v, %v updates, %v high", c.ns, c.ev, c.images, c.new, c.updates, c.high)
		}
	}
}
