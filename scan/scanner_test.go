package scan_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// TestScannerPerCallPolicy builds one scanner and judges the same image
// with its default policy, then with a call's own policy, then by its
// stored inventory: the findings agree and each verdict records the
// threshold it applied and the findings that block.
func TestScannerPerCallPolicy(t *testing.T) {
	ref, db := debianImage(t), vulndbtest.FixtureDB(t)
	ctx := context.Background()
	s, err := scan.New(db, scan.WithCatalogOptions(catalog.WithCacheDir(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	def, err := s.Scan(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !def.Verdict.Pass || def.Verdict.FailOn != match.SeverityUnknown || len(def.Verdict.Blocking) != 0 {
		t.Errorf("default verdict pass=%v failOn=%v blocking=%v, want a pass with no threshold", def.Verdict.Pass, def.Verdict.FailOn, def.Verdict.Blocking)
	}
	if def.Database.Built.IsZero() || def.Database.Version() == "" {
		t.Errorf("result does not name the database: %+v", def.Database)
	}
	high, err := policy.New(policy.WithFailOn(match.SeverityHigh))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(ctx, ref, scan.WithPolicy(high))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CVE-2023-46218", "CVE-2023-4911"}
	if res.Verdict.Pass || res.Verdict.FailOn != match.SeverityHigh || !slices.Equal(res.Verdict.Blocking, want) {
		t.Errorf("verdict pass=%v failOn=%v blocking=%v, want a failure at high blocked by %v", res.Verdict.Pass, res.Verdict.FailOn, res.Verdict.Blocking, want)
	}
	if !res.Verdict.Blocks("CVE-2023-4911") || res.Verdict.Blocks("CVE-2023-28322") {
		t.Error("Blocks disagrees with the blocking list")
	}
	again, err := s.ScanInventory(ctx, res.Inventory, scan.WithPolicy(high))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(again.Findings), ids(res.Findings)) || !slices.Equal(again.Verdict.Blocking, want) {
		t.Errorf("rejudging the inventory found %v blocking %v", ids(again.Findings), again.Verdict.Blocking)
	}
	// The scanner's default stays its own after a call brought another.
	if after, err := s.Scan(ctx, ref); err != nil || !after.Verdict.Pass {
		t.Errorf("after a per-call policy the default verdict is %+v, %v", after.Verdict, err)
	}
	img, err := image.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	byImage, err := s.ScanImage(ctx, img, scan.WithPolicy(high))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byImage.Verdict.Blocking, want) {
		t.Errorf("ScanImage blocking = %v, want %v", byImage.Verdict.Blocking, want)
	}
}

// TestJUnitShowsPolicyFileThreshold: a policy file's `failOn: high` is the
// threshold the JUnit report names, with no --fail-on beside it.
func TestJUnitShowsPolicyFileThreshold(t *testing.T) {
	ref, db := debianImage(t), vulndbtest.FixtureDB(t)
	path := filepath.Join(t.TempDir(), "policy.yaml")
	body := "apiVersion: drydock/v1\nkind: Policy\nseverity:\n  failOn: high\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(context.Background(), ref, db, scan.WithPolicy(p), scan.WithCatalogOptions(catalog.WithoutCache()))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, report.FormatJUnit, res.Report(match.SeverityUnknown, "test")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Failures   int `xml:"failures,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites in\n%s", len(doc.Suites), buf.Bytes())
	}
	got := ""
	for _, p := range doc.Suites[0].Properties {
		if p.Name == "failOn" {
			got = p.Value
		}
	}
	if got != "high" || doc.Suites[0].Failures != 3 {
		t.Errorf("JUnit failOn = %q with %d failures, want high with 3 (two findings and the policy)\n%s", got, doc.Suites[0].Failures, buf.Bytes())
	}
}
