package main

import (
	"archive/zip"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// runDB runs drydock with args and returns stdout, stderr and the exit code.
func runDB(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), exitCode(err)
}

func TestDBImportAndStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vuln.db")
	tests := []struct {
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout
	}{
		{[]string{"db", "status", "--db", db}, 2, nil},
		{[]string{"db", "import", "--db", db}, 2, nil},
		{[]string{"db", "import", "--db", db, "../../vulndb/testdata/osv", "--kev", "../../vulndb/testdata/kev.json", "--epss", "../../vulndb/testdata/epss.csv"}, 0,
			[]string{"vulndb/testdata/osv: 5 records", "kev: 2 records", "epss: 3 records"}},
		{[]string{"db", "status", "--db", db}, 0,
			[]string{"ECOSYSTEM", "Debian:12", "Alpine:v3.18", "KEV", "EPSS", "5 records"}},
		{[]string{"db", "update", "--db", db, "--base-url", "not a url"}, 2, nil},
		{[]string{"db", "import", "--db", db, "../../vulndb/testdata/kev.json.missing"}, 2, nil},
	}
	for _, tt := range tests {
		out, errOut, code := runDB(t, tt.args...)
		if code != tt.wantCode {
			t.Errorf("drydock %s: exit %d, want %d (stderr %q)", strings.Join(tt.args, " "), code, tt.wantCode, errOut)
		}
		for _, want := range tt.wantOut {
			if !strings.Contains(out, want) {
				t.Errorf("drydock %s: stdout %q does not contain %q", strings.Join(tt.args, " "), out, want)
			}
		}
	}
}

func TestHumanAge(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "just now"},
		{90 * time.Minute, "1h"},
		{47 * time.Hour, "47h"},
		{72 * time.Hour, "3d"},
	}
	for _, tt := range tests {
		if got := humanAge(tt.d); got != tt.want {
			t.Errorf("humanAge(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPrintStatusWarnsWhenStale(t *testing.T) {
	now := time.Date(2023, 10, 20, 0, 0, 0, 0, time.UTC)
	for _, stale := range []bool{false, true} {
		st := &vulndb.Status{Path: "vuln.db", SchemaVersion: 1, Built: now.Add(-72 * time.Hour), Age: 72 * time.Hour,
			MaxAge: vulndb.DefaultMaxAge, Stale: stale,
			Ecosystems: []vulndb.EcosystemStatus{{Name: "Debian:12", Records: 2, Source: "Debian"}},
			Sources:    []vulndb.SourceStatus{{Name: "Debian", Kind: vulndb.KindOSV, Checked: now.Add(-72 * time.Hour), Records: 2}}}
		var out bytes.Buffer
		if err := printStatus(&out, st, now); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "WARNING: the vulnerability database is 3d old"); got != stale {
			t.Errorf("stale %v: output %q has warning %v, want %v", stale, out.String(), got, stale)
		}
		if !strings.Contains(out.String(), "Debian:12  2        Debian  3d") {
			t.Errorf("output %q lacks the Debian:12 row", out.String())
		}
	}
}

// TestDBOnDamagedFile: `db import` and `db update` on a --db file that is
// not a drydock database exit 2 with what to do; they never panic.
func TestDBOnDamagedFile(t *testing.T) {
	for _, kind := range []struct {
		name    string
		content []byte
	}{
		{"text", []byte("my notes\n")},
		{"random bytes", bytes.Repeat([]byte{0x9e, 0x01, 0xff, 0x37}, 4096)},
	} {
		db := filepath.Join(t.TempDir(), "vuln.db")
		if err := os.WriteFile(db, kind.content, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"db", "import", "--db", db, "../../vulndb/testdata/osv"},
			{"db", "update", "--db", db, "--base-url", "http://127.0.0.1:1", "--ecosystems", "Go"},
		} {
			_, errOut, code := runAccounts(t, "", args...)
			if code != exitUsage || !strings.Contains(errOut, "not a drydock vulnerability database") || !strings.Contains(errOut, "remove it") {
				t.Errorf("drydock %s on a %s file: exit %d, stderr %q; want 2 saying it is not a drydock database", strings.Join(args, " "), kind.name, code, errOut)
			}
		}
		if got, _ := os.ReadFile(db); !bytes.Equal(got, kind.content) {
			t.Errorf("%s file was overwritten", kind.name)
		}
	}
}

// TestDBUpdateOffline: an unreachable source exits 2 and says what else to
// do; a loopback mirror lacking one ecosystem still updates the rest.
func TestDBUpdateOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	db := filepath.Join(t.TempDir(), "vuln.db")
	_, errOut, code := runAccounts(t, "", "db", "update", "--db", db, "--base-url", closed)
	if code != exitUsage {
		t.Errorf("db update against a closed port: exit %d, want 2\n%s", code, errOut)
	}
	for _, want := range []string{"could not fetch Debian", "does not answer", "nothing was changed", "drydock db import PATH", "drydock db pull REF", "--base-url", "--ecosystems"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("db update offline does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "dial tcp") {
		t.Errorf("db update offline shows the raw transport error:\n%s", errOut)
	}

	zip, err := os.ReadFile("../../vulndb/testdata/osv/Go/GO-2023-2102.json")
	if err != nil {
		t.Fatal(err)
	}
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Go/all.zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(zipOf(t, "GO-2023-2102.json", zip))
	}))
	defer mirror.Close()
	out, errOut, code := runAccounts(t, "", "db", "update", "--db", db, "--base-url", mirror.URL, "--ecosystems", "Wolfi,Go")
	if code != exitUsage || !strings.Contains(out, "Go: 1 records") || !strings.Contains(errOut, "could not fetch Wolfi") || !strings.Contains(errOut, "404") {
		t.Errorf("db update from a mirror without Wolfi: exit %d\nstdout: %s\nstderr: %s\nwant Go updated, Wolfi reported, exit 2", code, out, errOut)
	}
	if _, errOut, code := runAccounts(t, "", "db", "status", "--db", db); code != 0 {
		t.Errorf("db status after a partial update: exit %d, %s", code, errOut)
	}
	if _, errOut, code := runAccounts(t, "", "db", "update", "--db", db, "--ecosystems", "golang"); code != exitUsage || !strings.Contains(errOut, "--ecosystems") {
		t.Errorf("db update --ecosystems golang: exit %d, stderr %q; want 2 naming --ecosystems", code, errOut)
	}
}

// zipOf is a zip holding one file.
func zipOf(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
