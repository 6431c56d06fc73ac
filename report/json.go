package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
)

// JSONSchema names the version of the JSON report; a change that removes or
// renames a field changes it.
const JSONSchema = "drydock/scan-report/v1"

// JSONReport is the document the json format writes (report/README.md
// describes every field). Programs may decode it with this type.
type JSONReport struct {
	// Schema is JSONSchema.
	Schema string `json:"schema"`
	// Generated is when the scan ran (RFC 3339, UTC).
	Generated string `json:"generated"`
	// Tool is drydock and its version.
	Tool Tool `json:"tool"`
	// Image identifies what was scanned.
	Image Image `json:"image"`
	// FailOn is the failing threshold ("low" … "critical"); absent if none.
	FailOn *match.Severity `json:"failOn,omitempty"`
	// Summary counts the findings per severity.
	Summary Counts `json:"summary"`
	// Findings are sorted most severe first, then by package.
	Findings []JSONFinding `json:"findings"`
	// Verdict is the policy's decision (its findings list left out: it is
	// Findings above); absent when no policy was evaluated.
	Verdict *policy.Verdict `json:"verdict,omitempty"`
	// Warnings name input skipped during the scan.
	Warnings []string `json:"warnings,omitempty"`
	// Integrity lists layer entries that reach outside the image.
	Integrity []inventory.IntegrityFinding `json:"integrity,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Image identifies the scanned image.
type Image struct {
	Source   string        `json:"source"`
	Name     string        `json:"name,omitempty"`
	Digest   string        `json:"digest,omitempty"`
	Platform string        `json:"platform,omitempty"`
	OS       *inventory.OS `json:"os,omitempty"`
}

// JSONFinding is a match.Finding with the layer that introduced its package.
type JSONFinding struct {
	match.Finding
	// Layer is the layer that introduced the package; absent when unknown.
	Layer *inventory.Layer `json:"layer,omitempty"`
	// Failing is true when the finding is at or above FailOn.
	Failing bool `json:"failing"`
}

// BuildJSON returns the JSON document for r.
func BuildJSON(r *Report) *JSONReport {
	inv := r.Inventory
	out := &JSONReport{
		Schema:    JSONSchema,
		Generated: r.now().Format("2006-01-02T15:04:05Z"),
		Tool:      Tool{Name: "drydock", Version: r.toolVersion()},
		Image:     Image{Source: inv.Source, Name: inv.Name, Digest: inv.Digest, Platform: inv.Platform, OS: inv.OS},
		Summary:   Count(r.Findings),
		Findings:  []JSONFinding{},
		Warnings:  r.Warnings,
		Integrity: inv.Integrity,
	}
	if t := r.threshold(); t != match.SeverityUnknown {
		out.FailOn = &t
	}
	for _, f := range sorted(r.Findings) {
		jf := JSONFinding{Finding: f, Layer: inv.LayerOf(&f.Package), Failing: r.failing(&f)}
		out.Findings = append(out.Findings, jf)
	}
	if r.Verdict != nil {
		// The findings, the threshold and the blocking list are shown once,
		// at the top level, as they were before verdicts carried them.
		v := *r.Verdict
		v.Findings, v.FailOn, v.Blocking = nil, match.SeverityUnknown, nil
		out.Verdict = &v
	}
	return out
}

// jsonWriter writes BuildJSON's document, indented.
type jsonWriter struct{}

var _ Writer = jsonWriter{}

func (jsonWriter) Write(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(BuildJSON(r)); err != nil {
		return fmt.Errorf("report: writing JSON: %w", err)
	}
	return nil
}
