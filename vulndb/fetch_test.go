package vulndb_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/vulndb"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestUpdateKeepsWhatItFetched: a mirror lacking one ecosystem does not
// stop the others; the missing one is reported as the user's to fix.
func TestUpdateKeepsWhatItFetched(t *testing.T) {
	feed, srv := newFeedServer(t)
	feed.set("/Debian/all.zip", zipBytes(t, fixture(t, "Debian/DEBIAN-CVE-2023-38545.json")), `"d1"`)
	feed.set("/Go/all.zip", zipBytes(t, fixture(t, "Go/GO-2023-2102.json")), `"g1"`)
	path := filepath.Join(t.TempDir(), "vuln.db")
	rep, err := vulndb.Update(context.Background(), path, vulndb.WithBaseURL(srv.URL), vulndb.WithEcosystems("Debian", "Wolfi", "Go"))
	var fe *vulndb.FetchError
	if !errors.As(err, &fe) || fe.Source != "Wolfi" || !fe.InvalidInput() || fe.Unreachable() || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Update with Wolfi missing on the mirror = %v, want a *FetchError for Wolfi (404)", err)
	}
	if rep == nil || len(rep.Sources) != 2 || rep.Sources[0].Source != "Debian" || rep.Sources[1].Source != "Go" {
		t.Fatalf("report = %+v, want Debian and Go", rep)
	}
	db := open(t, path)
	if len(lookup(t, db, "Debian:12", "curl")) == 0 || len(lookup(t, db, "Go", "stdlib")) == 0 {
		t.Error("the ecosystems the mirror had were not published")
	}
}

// TestUpdateUnreachable: a base URL nothing answers on stops after the
// first ecosystem with an error the user can act on; nothing is written.
func TestUpdateUnreachable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	_, err := vulndb.Update(context.Background(), path, vulndb.WithBaseURL("http://"+closedPort(t)), vulndb.WithEcosystems("Debian", "Go", "npm"))
	var fe *vulndb.FetchError
	if !errors.As(err, &fe) || !fe.Unreachable() || !fe.InvalidInput() {
		t.Fatalf("Update against a closed port = %v, want an unreachable *FetchError", err)
	}
	if n := strings.Count(err.Error(), "could not fetch"); n != 1 {
		t.Errorf("Update tried %d ecosystems on a host that does not answer, want 1: %v", n, err)
	}
	if strings.Contains(err.Error(), "dial tcp") {
		t.Errorf("error %q carries the transport's raw text", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("an update that fetched nothing left %v", left)
	}
}

// TestUpdateNameNotResolving: the resolver's "no such host" becomes a
// sentence. No DNS server is reachable from tests, so the client's dialer
// answers as a resolver would for an unknown name.
func TestUpdateNameNotResolving(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "osv.example", IsNotFound: true}}
	}}}
	_, err := vulndb.Update(context.Background(), filepath.Join(t.TempDir(), "vuln.db"),
		vulndb.WithBaseURL("https://osv.example"), vulndb.WithEcosystems("Go"), vulndb.WithHTTPClient(client))
	var fe *vulndb.FetchError
	if !errors.As(err, &fe) || !fe.Unreachable() || !strings.Contains(err.Error(), "osv.example does not resolve") {
		t.Errorf("Update with an unresolvable host = %v, want it to say the host does not resolve", err)
	}
}

func TestWithEcosystemsChecksNames(t *testing.T) {
	tests := []struct {
		name string
		want string // in the error; "" for none
	}{
		{"Debian", ""},
		{"Red Hat", ""},
		{"debian", `did you mean "Debian"`},
		{"redhat", `did you mean "Red Hat"`},
		{"Crates.io", `did you mean "crates.io"`},
		{"Gentoo", `unknown ecosystem "Gentoo" (known: AlmaLinux`},
	}
	for _, tt := range tests {
		_, err := vulndb.Update(context.Background(), filepath.Join(t.TempDir(), "vuln.db"),
			vulndb.WithBaseURL("http://"+closedPort(t)), vulndb.WithEcosystems(tt.name))
		var oe *vulndb.OptionError
		switch {
		case tt.want == "" && errors.As(err, &oe):
			t.Errorf("WithEcosystems(%q) = %v, want it accepted", tt.name, err)
		case tt.want != "" && (!errors.As(err, &oe) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("WithEcosystems(%q) = %v, want an *OptionError saying %s", tt.name, err, tt.want)
		}
	}
}
