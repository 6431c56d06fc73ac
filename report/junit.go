package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/drydock/drydock/match"
)

// JUnit XML as CI servers read it (Jenkins, GitLab, Azure DevOps): one
// testsuite for the image, one testcase per finding, failed when the finding
// is at or above the fail threshold, so a dashboard lists each blocking
// vulnerability as a failed test and the rest as passed ones.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		ClassName string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

type junitWriter struct{}

var _ Writer = junitWriter{}

func (junitWriter) Write(w io.Writer, r *Report) error {
	fs := sorted(r.Findings)
	suite := junitSuite{
		Name:      imageName(r.Inventory),
		Timestamp: r.now().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{Name: "digest", Value: r.Inventory.Digest},
			{Name: "failOn", Value: failOnText(r)},
		},
	}
	for i := range fs {
		f := &fs[i]
		c := junitCase{
			ClassName: f.Package.Type + "." + f.Package.Name,
			Name:      fmt.Sprintf("%s %s in %s %s", f.ID, f.Severity, f.Package.Name, f.Installed),
		}
		detail := findingDetail(r, f)
		if r.failing(f) {
			c.Failure = &junitFailure{
				Message: fmt.Sprintf("%s is %s, at or above the fail threshold; %s", f.ID, f.Severity, fixPhrase(f)),
				Type:    f.Severity.String(),
				Text:    detail,
			}
			suite.Failures++
		} else {
			c.SystemOut = detail
		}
		suite.Cases = append(suite.Cases, c)
	}
	if v := r.Verdict; v != nil {
		// The policy's verdict is a test of its own: a policy can fail on
		// rules that are not about any one finding (age, registry, CEL).
		c := junitCase{ClassName: "policy", Name: "policy " + v.Policy.Name}
		if !v.Pass {
			var reasons []string
			for _, reason := range v.Reasons {
				reasons = append(reasons, reason.String())
			}
			c.Failure = &junitFailure{Message: fmt.Sprintf("policy %q failed", v.Policy.Name), Type: "policy", Text: strings.Join(reasons, "\n")}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if len(suite.Cases) == 0 {
		// A suite with no testcase reads as "no tests ran" on some servers.
		suite.Cases = append(suite.Cases, junitCase{ClassName: "scan", Name: "no known vulnerabilities"})
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "drydock scan", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: writing JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: writing JUnit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func fixPhrase(f *match.Finding) string {
	if len(f.Fixed) == 0 {
		return "no fixed version yet"
	}
	return "fixed in " + strings.Join(f.Fixed, ", ")
}

func failOnText(r *Report) string {
	if t := r.threshold(); t != match.SeverityUnknown {
		return t.String()
	}
	return "none"
}

// findingDetail is a few lines a person reads in the CI test view.
func findingDetail(r *Report, f *match.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", f.ID, f.Severity)
	if f.Vector != "" {
		fmt.Fprintf(&b, ", CVSS %.1f", f.Score)
	}
	if f.DistroSeverity != "" {
		fmt.Fprintf(&b, ", distro: %s", f.DistroSeverity)
	}
	b.WriteString(")\n")
	if f.Summary != "" {
		fmt.Fprintf(&b, "%s\n", f.Summary)
	}
	fmt.Fprintf(&b, "package: %s %s (%s) at %s\n", f.Package.Name, f.Installed, f.Package.Type, f.Package.Path)
	fmt.Fprintf(&b, "fixed in: %s\n", fixedText(f))
	if l := r.Inventory.LayerOf(&f.Package); l != nil {
		fmt.Fprintf(&b, "layer %d: %s\n", l.Index, clean(createdByText(l)))
	}
	for _, ref := range f.References {
		fmt.Fprintf(&b, "%s\n", ref)
	}
	return b.String()
}
