package match_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/vulndb"
)

// goVulnDB imports golang/vulndb's records (modified 0001-01-01, as
// published) through the real import path, as `drydock db import` does.
func goVulnDB(t *testing.T) *vulndb.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	if _, err := vulndb.Import(ctx, path, "../vulndb/testdata/golang-vulndb", vulndb.WithLogger(slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The Go findings golang/vulndb's records give, including those of the
// standard library compiled into a distro-owned binary (Debian's fzf,
// built with go1.19.8), which are matched as Go, naming their owner.
func TestGoVulnDBFindings(t *testing.T) {
	fzf := pkg(inventory.TypeGoStdlib, "Go", "stdlib", "1.19.8")
	fzf.Path, fzf.Owner = "usr/bin/fzf", "fzf"
	inv := &inventory.Inventory{Packages: []inventory.Package{
		pkg(inventory.TypeGoModule, "Go", "golang.org/x/text", "v0.3.6"),
		pkg(inventory.TypeGoModule, "Go", "golang.org/x/text", "v0.3.7"),
		pkg(inventory.TypeGoModule, "Go", "golang.org/x/text", "v0.3.8"),
		fzf,
	}}
	got, err := match.Match(context.Background(), inv, goVulnDB(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range got {
		ids = append(ids, f.Package.Version+" "+f.ID+" "+f.Package.Owner)
	}
	slices.Sort(ids)
	want := []string{
		"1.19.8 CVE-2023-29406 fzf",
		"v0.3.6 CVE-2021-38561 ",
		"v0.3.6 CVE-2022-32149 ",
		"v0.3.7 CVE-2022-32149 ",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("findings:\n got %q\nwant %q", ids, want)
	}
}
