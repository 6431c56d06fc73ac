package vulndb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// feedServer serves files the way the OSV bucket does: an ETag per file, a
// 304 when the client already has it.
type feedServer struct {
	mu       sync.Mutex
	files    map[string][]byte // URL path → body
	etags    map[string]string
	requests []string // "path If-None-Match" of every request
	status   int      // when set, every answer has this status
}

func newFeedServer(t testing.TB) (*feedServer, *httptest.Server) {
	f := &feedServer{files: map[string][]byte{}, etags: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *feedServer) set(path string, body []byte, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path], f.etags[path] = body, etag
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.Path+" "+r.Header.Get("If-None-Match"))
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	body, ok := f.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := f.etags[r.URL.Path]
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", "Fri, 13 Oct 2023 08:00:00 GMT")
	w.Write(body)
}

func (f *feedServer) took() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	feed, srv := newFeedServer(t)
	deb45 := fixture(t, "Debian/DEBIAN-CVE-2023-38545.json")
	deb46 := fixture(t, "Debian/DEBIAN-CVE-2023-38546.json")
	feed.set("/Debian/all.zip", zipBytes(t, deb45), `"d1"`)
	feed.set("/Go/all.zip", zipBytes(t, fixture(t, "Go/GO-2023-2102.json")), `"g1"`)
	feed.set("/Red Hat/all.zip", zipBytes(t), `"r1"`)
	path := filepath.Join(t.TempDir(), "vuln.db")
	now := time.Date(2023, 10, 14, 0, 0, 0, 0, time.UTC)
	update := func() (*vulndb.Report, error) {
		return vulndb.Update(ctx, path, vulndb.WithBaseURL(srv.URL), vulndb.WithEcosystems("Debian", "Go", "Red Hat"),
			vulndb.WithClock(func() time.Time { return now }))
	}
	notModified := func(rep *vulndb.Report) []bool {
		var out []bool
		for _, s := range rep.Sources {
			out = append(out, s.NotModified)
		}
		return out
	}

	// First update: everything is downloaded.
	rep, err := update()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := notModified(rep), []bool{false, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("first update not-modified = %v, want %v", got, want)
	}
	if got, want := feed.took(), []string{"/Debian/all.zip ", "/Go/all.zip ", "/Red Hat/all.zip "}; !reflect.DeepEqual(got, want) {
		t.Errorf("first update requests = %q, want %q", got, want)
	}
	if got := lookup(t, open(t, path), "Debian:12", "curl"); !reflect.DeepEqual(got, []string{"DEBIAN-CVE-2023-38545"}) {
		t.Errorf("after first update Debian curl = %v", got)
	}

	// Second update, a day later: nothing changed, every feed answers 304,
	// and the database counts as checked now.
	now = now.Add(24 * time.Hour)
	if rep, err = update(); err != nil {
		t.Fatal(err)
	}
	if got, want := notModified(rep), []bool{true, true, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("second update not-modified = %v, want %v", got, want)
	}
	if got, want := feed.took(), []string{`/Debian/all.zip "d1"`, `/Go/all.zip "g1"`, `/Red Hat/all.zip "r1"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("second update requests = %q, want %q", got, want)
	}
	db := open(t, path)
	if !db.Checked().Equal(now) {
		t.Errorf("Checked = %v, want %v (a 304 is a check)", db.Checked(), now)
	}
	if got := lookup(t, db, "Go", "golang.org/x/net"); len(got) != 1 {
		t.Errorf("records of a 304 feed were lost: Go x/net = %v", got)
	}

	// Debian changes: CVE-2023-38545 is dropped, CVE-2023-38546 is new.
	feed.set("/Debian/all.zip", zipBytes(t, deb46), `"d2"`)
	if rep, err = update(); err != nil {
		t.Fatal(err)
	}
	if got, want := notModified(rep), []bool{false, true, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("third update not-modified = %v, want %v", got, want)
	}
	db = open(t, path)
	if got, want := lookup(t, db, "Debian:12", "curl"), []string{"DEBIAN-CVE-2023-38546"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the ETag changed Debian curl = %v, want %v", got, want)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sources[0].Name != "Debian" || st.Sources[0].ETag != `"d2"` || st.Sources[0].Location != srv.URL+"/Debian/all.zip" {
		t.Errorf("Debian source = %+v, want ETag \"d2\" from %s/Debian/all.zip", st.Sources[0], srv.URL)
	}
}

func TestUpdateFailureKeepsOldDatabase(t *testing.T) {
	ctx := context.Background()
	feed, srv := newFeedServer(t)
	good := zipBytes(t, fixture(t, "Debian/DEBIAN-CVE-2023-38545.json"), fixture(t, "Debian/DEBIAN-CVE-2023-38546.json"))
	feed.set("/Debian/all.zip", good, `"d1"`)
	feed.set("/Go/all.zip", zipBytes(t, fixture(t, "Go/GO-2023-2102.json")), `"g1"`)
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	opts := []vulndb.Option{vulndb.WithBaseURL(srv.URL), vulndb.WithEcosystems("Debian", "Go")}
	if _, err := vulndb.Update(ctx, path, opts...); err != nil {
		t.Fatal(err)
	}
	held := open(t, path)
	tests := []struct {
		name        string
		setup       func()
		opts        []vulndb.Option
		wantInvalid bool // the caller's mistake (exit 2), not drydock's (exit 3)
	}{
		{"truncated zip", func() { feed.set("/Go/all.zip", good[:len(good)*2/3], `"g2"`) }, nil, true},
		{"corrupt zip", func() { feed.set("/Go/all.zip", corruptZip(t, good), `"g3"`) }, nil, true},
		{"missing ecosystem", func() {}, []vulndb.Option{vulndb.WithEcosystems("Debian", "Wolfi")}, true},
		{"over the size limit", func() { feed.set("/Debian/all.zip", good, `"d9"`) }, []vulndb.Option{vulndb.WithMaxDownload(100)}, true},
		{"server error", func() { feed.mu.Lock(); feed.status = http.StatusBadGateway; feed.mu.Unlock() }, nil, false},
	}
	for _, tt := range tests {
		tt.setup()
		_, err := vulndb.Update(ctx, path, append(append([]vulndb.Option{}, opts...), tt.opts...)...)
		var ec interface{ InvalidInput() bool }
		if err == nil || !errors.As(err, &ec) || ec.InvalidInput() != tt.wantInvalid {
			t.Errorf("%s: Update err = %v, want an error with InvalidInput() = %t", tt.name, err, tt.wantInvalid)
		}
		if got := lookup(t, held, "Debian:12", "curl"); len(got) != 2 {
			t.Errorf("%s: an open handle lost the old data: %v", tt.name, got)
		}
		if got := lookup(t, open(t, path), "Go", "stdlib"); len(got) != 1 {
			t.Errorf("%s: the reopened database lost the old data: Go stdlib = %v", tt.name, got)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("failed updates left temporary files: %v", left)
	}
}

func TestUpdateEnrichmentAndProgress(t *testing.T) {
	ctx := context.Background()
	feed, srv := newFeedServer(t)
	feed.set("/Go/all.zip", zipBytes(t, fixture(t, "Go/GO-2023-2102.json")), `"g1"`)
	kev := fixture(t, "../kev.json")
	epss := fixture(t, "../epss.csv")
	feed.set("/kev.json", kev.data, `"k1"`)
	feed.set("/epss.csv", epss.data, `"e1"`)
	path := filepath.Join(t.TempDir(), "vuln.db")
	var progress bytes.Buffer
	rep, err := vulndb.Update(ctx, path, vulndb.WithBaseURL(srv.URL), vulndb.WithEcosystems("Go"),
		vulndb.WithKEVURL(srv.URL+"/kev.json"), vulndb.WithEPSSURL(srv.URL+"/epss.csv"), vulndb.WithProgress(&progress))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range rep.Sources {
		got = append(got, fmt.Sprintf("%s=%d", s.Source, s.Records))
	}
	if want := []string{"Go=1", "kev=2", "epss=3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("report = %v, want %v", got, want)
	}
	db := open(t, path)
	if ok, err := db.KEV(ctx, "CVE-2021-44228"); !ok || err != nil {
		t.Errorf("KEV(CVE-2021-44228) = %v, %v; want true", ok, err)
	}
	if s, ok, err := db.EPSS(ctx, "CVE-2023-32681"); !ok || err != nil || s != 0.00088 {
		t.Errorf("EPSS(CVE-2023-32681) = %v, %v, %v; want 0.00088", s, ok, err)
	}
	// Not a terminal: plain lines, no carriage returns.
	out := progress.String()
	if strings.Contains(out, "\r") || !strings.Contains(out, "Go: downloaded") || !strings.Contains(out, "kev: 2 records imported") {
		t.Errorf("progress output = %q, want plain lines naming each source", out)
	}
}
