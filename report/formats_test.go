package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
)

// sarifSchema compiles the official SARIF 2.1.0 schema from testdata; the
// loader refuses every URL, so a schema that names another is an error and
// the test never reaches the network.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "schema", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	fixRegion(t, doc)
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	const id = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	return s
}

// fixRegion corrects the one defect of the published schema, in memory:
// definitions.region lists its "anyOf" (startLine, charOffset or byteOffset
// required) inside "properties", where draft 2020-12's metaschema refuses an
// array. It is moved to the region object, where the SARIF text (3.30.2)
// puts that rule; the file in testdata stays as published.
func fixRegion(t *testing.T, doc any) {
	t.Helper()
	region, ok := doc.(map[string]any)["definitions"].(map[string]any)["region"].(map[string]any)
	if !ok {
		t.Fatal("SARIF schema has no definitions.region")
	}
	props := region["properties"].(map[string]any)
	anyOf, ok := props["anyOf"]
	if !ok {
		return // fixed upstream
	}
	delete(props, "anyOf")
	region["anyOf"] = anyOf
}

type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not in testdata; tests do not fetch", url)
}

func validate(t *testing.T, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

func TestSARIF(t *testing.T) {
	schema := sarifSchema(t)
	r := scanned(t)
	doc := write(t, report.FormatSARIF, r)
	if err := validate(t, schema, doc); err != nil {
		t.Fatalf("SARIF output is not valid SARIF 2.1.0: %v\n%s", err, doc)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(r.Findings) || len(run.Tool.Driver.Rules) != 7 {
		t.Fatalf("results = %d, rules = %d; want %d results and 7 rules", len(run.Results), len(run.Tool.Driver.Rules), len(r.Findings))
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	first := run.Results[0]
	if first.RuleID != "CVE-2021-44228" || first.Level != "error" || first.Locations[0].PhysicalLocation.ArtifactLocation.URI != "app/lib/log4j%20core.jar" {
		t.Errorf("first result = %+v, want log4j at error level at the escaped jar path", first)
	}
	if got := run.Tool.Driver.Rules[0].Properties["security-severity"]; got != "10.0" {
		t.Errorf("log4j rule security-severity = %v, want \"10.0\"", got)
	}
	// The schema check must be able to fail: a result without a message is
	// not SARIF.
	broken := bytes.Replace(doc, []byte(`"message": {`), []byte(`"messageX": {`), 1)
	if err := validate(t, schema, broken); err == nil {
		t.Error("a SARIF log with a result lacking its message validated")
	}
}

func TestSARIFEmpty(t *testing.T) {
	r := scanned(t)
	r.Findings = nil
	if err := validate(t, sarifSchema(t), write(t, report.FormatSARIF, r)); err != nil {
		t.Errorf("SARIF with no findings is not valid: %v", err)
	}
}

func TestCycloneDX(t *testing.T) {
	r := scanned(t)
	doc := write(t, report.FormatCycloneDX, r)
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Vulnerabilities == nil {
		t.Fatalf("spec %v, vulnerabilities %v; want 1.6 with vulnerabilities", bom.SpecVersion, bom.Vulnerabilities)
	}
	refs := map[string]string{}
	for _, c := range *bom.Components {
		refs[c.BOMRef] = c.Name
	}
	byID := map[string]cdx.Vulnerability{}
	for _, v := range *bom.Vulnerabilities {
		byID[v.ID] = v
		for _, a := range *v.Affects {
			if _, ok := refs[a.Ref]; !ok {
				t.Errorf("%s affects %q, which is no component's bom-ref", v.ID, a.Ref)
			}
		}
	}
	if len(byID) != 7 {
		t.Errorf("vulnerabilities = %d, want 7", len(byID))
	}
	log4j := byID["CVE-2021-44228"]
	if log4j.Ratings == nil || (*log4j.Ratings)[0].Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" ||
		*(*log4j.Ratings)[0].Score != 10 || (*log4j.Ratings)[0].Method != cdx.ScoringMethodCVSSv31 {
		t.Errorf("log4j ratings = %+v, want the v3.1 vector scored 10", log4j.Ratings)
	}
	if log4j.Source == nil || log4j.Source.Name != "NVD" || !strings.Contains(log4j.Recommendation, "2.15.0") {
		t.Errorf("log4j source %+v, recommendation %q", log4j.Source, log4j.Recommendation)
	}
	if a := (*log4j.Affects)[0]; refs[a.Ref] != "org.apache.logging.log4j:log4j-core" {
		t.Errorf("log4j affects %s, want the log4j-core component", refs[a.Ref])
	}
	glibc := byID["CVE-2023-4911"]
	var ids []string
	for _, ref := range *glibc.References {
		ids = append(ids, ref.ID)
	}
	if !slices.Equal(ids, []string{"DEBIAN-CVE-2023-4911", "DSA-5514-1"}) {
		t.Errorf("glibc references = %v, want its DEBIAN-CVE and DSA", ids)
	}
	if ip := byID["CVE-2024-29415"]; ip.Recommendation != "" {
		t.Errorf("ip has no fix but recommends %q", ip.Recommendation)
	}
	// The same document passes CycloneDX's 1.6 schema where package sbom
	// keeps it.
	if s := cyclonedxSchema(t); s != nil {
		if err := validate(t, s, doc); err != nil {
			t.Errorf("CycloneDX output is not valid CycloneDX 1.6: %v", err)
		}
	}
}

// cyclonedxSchema compiles CycloneDX 1.6 from package sbom's testdata, nil
// when that package does not carry it.
func cyclonedxSchema(t *testing.T) *jsonschema.Schema {
	dir := filepath.Join("..", "sbom", "testdata", "schema")
	files := map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	for url, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Logf("no CycloneDX schema to validate against: %v", err)
			return nil
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJUnit(t *testing.T) {
	tests := []struct {
		failOn match.Severity
		// policy, when set, is evaluated and its verdict decides failures.
		policy       []policy.Option
		wantFailures int
		wantTests    int
	}{
		{match.SeverityHigh, nil, 5, 7},
		{match.SeverityCritical, nil, 1, 7},
		{match.SeverityUnknown, nil, 0, 7},
		// log4j fails, and so does the policy's own testcase.
		{match.SeverityUnknown, []policy.Option{policy.WithFailOn(match.SeverityCritical)}, 2, 8},
		// A passing policy: its testcase passes, and nothing fails.
		{match.SeverityUnknown, []policy.Option{policy.WithIgnoreUnfixed()}, 0, 8},
	}
	for _, tc := range tests {
		r := scanned(t)
		r.FailOn = tc.failOn
		if tc.policy != nil {
			r.Verdict = judge(t, r, tc.policy...)
		}
		var doc struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Suites   []struct {
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Type string `xml:"type,attr"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		out := write(t, report.FormatJUnit, r)
		if err := xml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("JUnit is not XML: %v\n%s", err, out)
		}
		failed := 0
		for _, c := range doc.Suites[0].Cases {
			if c.Failure != nil {
				failed++
			}
		}
		if doc.Tests != tc.wantTests || doc.Failures != tc.wantFailures || failed != tc.wantFailures {
			t.Errorf("fail-on %v: tests=%d failures=%d (failed cases %d), want %d and %d", tc.failOn, doc.Tests, doc.Failures, failed, tc.wantTests, tc.wantFailures)
		}
	}
}

// BenchmarkWrite writes a 300-finding report in every format.
func BenchmarkWrite(b *testing.B) {
	r := scanned(b)
	base := r.Findings
	for len(r.Findings) < 300 {
		r.Findings = append(r.Findings, base...)
	}
	r.Findings = r.Findings[:300]
	for _, f := range report.Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := report.Write(io.Discard, f, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
