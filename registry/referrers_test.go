package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// seedReferrers stores n artifacts in team/app whose subject is subject,
// each with an annotation of annBytes bytes, straight into the store (the
// registry's push path is tested elsewhere; this is about reading).
func seedReferrers(tb testing.TB, st *store.Store, subject string, n, annBytes int) []string {
	tb.Helper()
	ctx := context.Background()
	pad := strings.Repeat("x", annBytes)
	var out []string
	for i := range n {
		body := fmt.Sprintf(`{"schemaVersion":2,"n":%d}`, i)
		m := &store.Manifest{Repo: "team/app", Digest: sha(body), MediaType: imageMT, Content: []byte(body),
			Subject: subject, ArtifactType: "application/vnd.example.sig", Annotations: map[string]string{"pad": pad}}
		if err := st.PutManifest(ctx, m); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m.Digest)
	}
	return out
}

type referrersPage struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		Digest      string            `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	} `json:"manifests"`
}

// walkReferrers follows the Link headers from the first page to the last.
func walkReferrers(tb testing.TB, srv *httptest.Server, subject string) (digests []string, pages int) {
	path := "/v2/team/app/referrers/" + subject
	for path != "" && pages < 100 {
		status, hdr, _, body := do(tb, srv, call{"GET", path, nil, ""})
		if status != 200 {
			tb.Fatalf("GET %s = %d %s", path, status, body)
		}
		var p referrersPage
		if err := json.Unmarshal(body, &p); err != nil {
			tb.Fatalf("page %d is not an index: %v", pages, err)
		}
		for _, m := range p.Manifests {
			digests = append(digests, m.Digest)
		}
		pages++
		path = ""
		if link := hdr.Get("Link"); link != "" {
			if !strings.HasSuffix(link, `>; rel="next"`) || !strings.HasPrefix(link, "</v2/team/app/referrers/") {
				tb.Fatalf("Link %q is not a next link", link)
			}
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	return digests, pages
}

// TestReferrersPages: a subject whose referrers are larger than a page is
// answered in pages linked by Link headers, none over the byte budget but
// by one descriptor, and the walk yields every referrer once, in order.
func TestReferrersPages(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	srv := newServer(t, st)
	subject := sha("subject")
	want := seedReferrers(t, st, subject, 5, 400<<10)
	got, pages := walkReferrers(t, srv, subject)
	if strings.Join(got, " ") != strings.Join(sortedCopy(want), " ") {
		t.Errorf("walked %d referrers %v, want %v", len(got), got, want)
	}
	if pages != 2 {
		t.Errorf("%d pages for 5 referrers of 400 KiB, want 2 (a page closes past 1 MiB)", pages)
	}
	if status, _, code, _ := do(t, srv, call{"GET", "/v2/team/app/referrers/" + subject + "?last=nonsense", nil, ""}); status != 400 || code != "PAGINATION_NUMBER_INVALID" {
		t.Errorf("a bad last= answered %d %s, want 400", status, code)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// BenchmarkReferrersMemory: four clients at once walk every page of a
// subject with 1,000 referrers carrying 32 KiB of annotations each (a
// 32 MB index if held whole). It reports the peak resident memory above
// the baseline taken after seeding (Linux: VmHWM after clear_refs) and
// the peak live heap sampled while the clients run.
//
//	go test ./registry -run '^$' -bench ReferrersMemory -benchtime 1x
func BenchmarkReferrersMemory(b *testing.B) {
	st := storetest.SQLite(b)
	srv := newServer(b, st)
	subject := sha("subject")
	want := seedReferrers(b, st, subject, 1000, 32<<10)
	runtime.GC()
	baseRSS := resetPeakRSS()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peakHeap := make(chan uint64)
	go func() {
		var most uint64
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				peakHeap <- most
				return
			default:
			}
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			runtime.Gosched()
		}
	}()
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if got, _ := walkReferrers(b, srv, subject); len(got) != len(want) {
					b.Errorf("walked %d referrers, want %d", len(got), len(want))
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	close(stop)
	heap := <-peakHeap
	b.ReportMetric(float64(int64(heap)-int64(base.HeapInuse))/(1<<20), "peak-heap-MB-over-base")
	if rss := peakRSS(); rss > 0 && baseRSS > 0 {
		b.ReportMetric(float64(rss-baseRSS)/(1<<20), "peak-RSS-MB-over-base")
	}
}

// resetPeakRSS resets the process's peak RSS (Linux) and returns the
// current RSS in bytes, or 0 where that cannot be read.
func resetPeakRSS() int64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return procStatus("VmRSS:")
}

func peakRSS() int64 { return procStatus("VmHWM:") }

func procStatus(key string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
