package vulndb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEcosystemKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Debian:12", "debian:12"},
		{"Debian:12.4", "debian:12"},
		{"Alpine:v3.19", "alpine:v3.19"},
		{"Alpine:3.19.1", "alpine:v3.19"},
		{"Alpine:3.19", "alpine:v3.19"},
		{"Ubuntu:22.04:LTS", "ubuntu:22.04"},
		{"Ubuntu:22.04", "ubuntu:22.04"},
		{"Ubuntu:Pro:18.04:LTS", "ubuntu:pro:18.04"},
		{"Red Hat:enterprise_linux:9::appstream", "red hat:enterprise_linux:9"},
		{"Red Hat:enterprise_linux:9::baseos", "red hat:enterprise_linux:9"},
		{"Red Hat:enterprise_linux:9", "red hat:enterprise_linux:9"},
		{"Red Hat:rhel_eus:9.2::baseos", "red hat:rhel_eus:9.2"},
		{"AlmaLinux:9.3", "almalinux:9"},
		{"Rocky Linux:8", "rocky linux:8"},
		{"Wolfi", "wolfi"},
		{"Wolfi:20230201", "wolfi"},
		{"Chainguard:rolling", "chainguard"},
		{"openSUSE:Leap 15.5", "opensuse:leap 15.5"},
		{"Maven", "maven"},
		{"Maven:https://repo.maven.apache.org/maven2/", "maven"},
		{"Go", "go"},
		{"crates.io", "crates.io"},
	}
	for _, tt := range tests {
		if got := EcosystemKey(tt.in); got != tt.want {
			t.Errorf("EcosystemKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameKey(t *testing.T) {
	tests := []struct{ eco, name, want string }{
		{"PyPI", "Requests", "requests"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "Foo__Bar-.baz", "foo-bar-baz"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"},
		{"Debian:12", "curl", "curl"},
	}
	for _, tt := range tests {
		if got := NameKey(tt.eco, tt.name); got != tt.want {
			t.Errorf("NameKey(%q, %q) = %q, want %q", tt.eco, tt.name, got, tt.want)
		}
	}
}

// TestLookupUsesIndex checks the plan of the lookup: it must search the
// affected primary key and fetch records by rowid, never scan a table.
func TestLookupUsesIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	a := &Advisory{ID: "GO-2023-2102", Modified: time.Date(2023, 10, 13, 16, 55, 50, 0, time.UTC),
		Affected: []Affected{{Package: Package{Ecosystem: "Go", Name: "stdlib"}}}}
	if err := Build(ctx, path, []*Advisory{a}); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, q := range map[string]string{"lookup": lookupSQL, "kev": "SELECT 1 FROM kev WHERE cve = ?", "epss": "SELECT score FROM epss WHERE cve = ?"} {
		n := strings.Count(q, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = "x"
		}
		rows, err := db.sql.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "SCAN") || !strings.Contains(joined, "SEARCH") {
			t.Errorf("%s plan = %q, want index searches only", name, joined)
		}
	}
}
