package report_test

import (
	"bytes"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/report"
)

// A Go finding's symbol verdict travels in the JSON report and as
// CycloneDX's analysis: absent is not_affected / code_not_present.
func TestGoSymbolVerdictInReports(t *testing.T) {
	r := scanned(t)
	for i := range r.Findings {
		if r.Findings[i].ID == "CVE-2023-39325" {
			r.Findings[i].GoSymbols = match.SymbolsAbsent
			r.Findings[i].Symbols = []string{"golang.org/x/net/http2.Server.ServeConn"}
		}
	}
	if table := string(write(t, report.FormatTable, r)); !strings.Contains(table, "(code absent)") {
		t.Errorf("table does not mark the finding whose code is absent:\n%s", table)
	}
	js := string(write(t, report.FormatJSON, r))
	if !strings.Contains(js, `"goSymbols": "absent"`) || !strings.Contains(js, `"golang.org/x/net/http2.Server.ServeConn"`) {
		t.Errorf("JSON report lacks the verdict or the symbol:\n%s", js)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(write(t, report.FormatCycloneDX, r)), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	for _, v := range *bom.Vulnerabilities {
		if v.ID != "CVE-2023-39325" {
			if v.Analysis != nil {
				t.Errorf("%s: analysis %+v, want none", v.ID, v.Analysis)
			}
			continue
		}
		if v.Analysis == nil || v.Analysis.State != cdx.IASNotAffected || v.Analysis.Justification != cdx.IAJCodeNotPresent ||
			!strings.Contains(v.Analysis.Detail, "golang.org/x/net/http2.Server.ServeConn") {
			t.Errorf("CVE-2023-39325 analysis = %+v, want not_affected, code_not_present, naming the symbol", v.Analysis)
		}
	}
}
