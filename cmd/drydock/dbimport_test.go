package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// golang/vulndb's records (modified 0001-01-01) are imported; a folder
// mostly of broken records is refused with exit 2 unless --allow-partial.
func TestDBImportPartial(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vuln.db")
	out, errOut, code := runDB(t, "db", "import", "--db", db, "../../vulndb/testdata/golang-vulndb")
	if code != 0 || !strings.Contains(out, "golang-vulndb: 3 records (3 without a modified time") {
		t.Fatalf("import golang-vulndb: exit %d, stdout %q, stderr %q; want 3 records imported", code, out, errOut)
	}

	broken := filepath.Join(dir, "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../../vulndb/testdata/golang-vulndb/GO-2021-0113.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"GO-2021-0113.json": string(good), "GO-2099-0002.json": `{"id": "GO-2099-0002", "affected": [`} {
		if err := os.WriteFile(filepath.Join(broken, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := newRoot()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"db", "import", "--db", db, broken})
	err = root.ExecuteContext(context.Background())
	if code := exitCode(err); code != 2 || !strings.Contains(fmt.Sprint(err), "GO-2099-0002.json") || !strings.Contains(fmt.Sprint(err), "--allow-partial") {
		t.Errorf("import of a half-broken folder: exit %d, error %v; want exit 2 naming GO-2099-0002.json and --allow-partial", code, err)
	}
	out, errOut, code = runDB(t, "db", "import", "--db", db, "--allow-partial", broken)
	if code != 0 || !strings.Contains(out, "1 records, 1 malformed skipped") {
		t.Errorf("import --allow-partial: exit %d, stdout %q, stderr %q; want 1 record, 1 skipped", code, out, errOut)
	}
}
