package report

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/sbom"
)

// cyclonedxWriter writes the image's CycloneDX 1.6 SBOM exactly as `drydock
// sbom` writes it, with a vulnerabilities section added: one entry per
// vulnerability ID, its ratings (vector and score), the components it
// affects by bom-ref, and the versions that fix it.
type cyclonedxWriter struct{}

var _ Writer = cyclonedxWriter{}

func (cyclonedxWriter) Write(w io.Writer, r *Report) error {
	bom, err := baseBOM(r)
	if err != nil {
		return err
	}
	refs := componentRefs(bom)
	var vulns []cdx.Vulnerability
	index := map[string]int{}
	for _, f := range sorted(r.Findings) {
		ref, ok := refs[packageKey(&f.Package)]
		if !ok {
			return fmt.Errorf("report: CycloneDX: package %s %s has no component in the SBOM", f.Package.Name, f.Package.Version)
		}
		i, seen := index[f.ID]
		if !seen {
			i = len(vulns)
			index[f.ID] = i
			vulns = append(vulns, cdxVulnerability(&f))
		}
		v := &vulns[i]
		*v.Affects = append(*v.Affects, cdx.Affects{Ref: ref, Range: &[]cdx.AffectedVersions{
			{Version: f.Package.Version, Status: cdx.VulnerabilityStatusAffected},
		}})
		if len(f.Fixed) > 0 {
			rec := fmt.Sprintf("Upgrade %s to %s.", f.Package.Name, strings.Join(f.Fixed, " or "))
			if !strings.Contains(v.Recommendation, rec) {
				v.Recommendation = strings.TrimSpace(v.Recommendation + " " + rec)
			}
		}
	}
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("report: writing CycloneDX: %w", err)
	}
	return nil
}

// baseBOM builds the inventory's BOM through package sbom, so that
// components and bom-refs are the ones `drydock sbom` gives.
func baseBOM(r *Report) (*cdx.BOM, error) {
	opts := []sbom.Option{sbom.WithTime(r.now())}
	if r.ToolVersion != "" {
		opts = append(opts, sbom.WithToolVersion(r.ToolVersion))
	}
	bom, err := sbom.CycloneDX(r.Inventory, opts...)
	if err != nil {
		return nil, fmt.Errorf("report: CycloneDX: %w", err)
	}
	return bom, nil
}

// packageKey is what tells two cataloged packages apart; the SBOM writer
// records the same facts in each component (name, version, purl and
// drydock: properties), so a finding's package finds its component.
func packageKey(p *inventory.Package) string {
	return strings.Join([]string{p.Type, p.Name, p.Version, p.Path, strconv.Itoa(p.Layer), p.PURL}, "\x00")
}

func componentRefs(bom *cdx.BOM) map[string]string {
	refs := map[string]string{}
	if bom.Components == nil {
		return refs
	}
	for _, c := range *bom.Components {
		props := map[string]string{}
		if c.Properties != nil {
			for _, p := range *c.Properties {
				props[p.Name] = p.Value
			}
		}
		typ, ok := props["drydock:package:type"]
		if !ok {
			continue // the operating system component
		}
		k := strings.Join([]string{typ, c.Name, c.Version, props["drydock:path"], props["drydock:layer:index"], c.PackageURL}, "\x00")
		if _, dup := refs[k]; !dup {
			refs[k] = c.BOMRef
		}
	}
	return refs
}

func cdxVulnerability(f *match.Finding) cdx.Vulnerability {
	v := cdx.Vulnerability{
		BOMRef:      "vuln-" + f.ID,
		ID:          f.ID,
		Source:      cdxSource(f.ID),
		Description: f.Summary,
		Affects:     &[]cdx.Affects{},
	}
	var refs []cdx.VulnerabilityReference
	for _, id := range f.IDs[1:] {
		refs = append(refs, cdx.VulnerabilityReference{ID: id, Source: cdxSource(id)})
	}
	if len(refs) > 0 {
		v.References = &refs
	}
	var ratings []cdx.VulnerabilityRating
	for _, rt := range f.Ratings {
		score := rt.Score
		ratings = append(ratings, cdx.VulnerabilityRating{
			Source: cdxSource(rt.Source), Score: &score, Severity: cdx.Severity(rt.Severity.String()),
			Method: cdx.ScoringMethod(rt.Method), Vector: rt.Vector,
		})
	}
	if f.DistroSeverity != "" {
		ratings = append(ratings, cdx.VulnerabilityRating{
			Severity: cdxWord(f.DistroSeverity), Method: cdx.ScoringMethodOther,
			Justification: "the distribution's own rating: " + f.DistroSeverity,
		})
	}
	if len(ratings) > 0 {
		v.Ratings = &ratings
	}
	var advisories []cdx.Advisory
	for _, ref := range f.References {
		if u, err := url.Parse(ref); err == nil && u.IsAbs() {
			advisories = append(advisories, cdx.Advisory{URL: ref})
		}
	}
	if len(advisories) > 0 {
		v.Advisories = &advisories
	}
	var props []cdx.Property
	if f.KEV {
		props = append(props, cdx.Property{Name: "drydock:kev", Value: "true"})
	}
	if f.EPSS != nil {
		props = append(props, cdx.Property{Name: "drydock:epss", Value: strconv.FormatFloat(*f.EPSS, 'f', -1, 64)})
	}
	if f.GoSymbols != "" {
		props = append(props, cdx.Property{Name: "drydock:goSymbols", Value: f.GoSymbols})
		for _, s := range f.Symbols {
			props = append(props, cdx.Property{Name: "drydock:goSymbol", Value: s})
		}
		v.Analysis = goSymbolAnalysis(f)
	}
	if len(props) > 0 {
		v.Properties = &props
	}
	return v
}

// goSymbolAnalysis states the Go symbol verdict as CycloneDX's analysis:
// not_affected with code_not_present when none of the vulnerable functions
// is compiled in, in_triage naming them when some are (present is not yet
// reachable), nothing when unknown.
func goSymbolAnalysis(f *match.Finding) *cdx.VulnerabilityAnalysis {
	list := strings.Join(f.Symbols, ", ")
	switch f.GoSymbols {
	case match.SymbolsAbsent:
		return &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotPresent,
			Detail: "none of the vulnerable functions is compiled into " + f.Package.Path + ": " + list}
	case match.SymbolsPresent:
		return &cdx.VulnerabilityAnalysis{State: cdx.IASInTriage,
			Detail: "vulnerable functions compiled into " + f.Package.Path + ": " + list}
	}
	return nil
}

// cdxSource names the database an ID comes from, by its prefix.
func cdxSource(id string) *cdx.Source {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "CVE":
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case "GHSA":
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	case "GO":
		return &cdx.Source{Name: "Go", URL: "https://pkg.go.dev/vuln/" + id}
	case "DSA", "DLA", "DEBIAN":
		return &cdx.Source{Name: "Debian", URL: "https://security-tracker.debian.org/tracker/" + strings.TrimPrefix(id, "DEBIAN-")}
	case "UBUNTU", "USN":
		return &cdx.Source{Name: "Ubuntu"}
	case "ALPINE":
		return &cdx.Source{Name: "Alpine"}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// cdxWord maps a distro's word onto CycloneDX's severity names where one
// fits ("important" is Red Hat's high); other words are unknown.
func cdxWord(w string) cdx.Severity {
	switch w := strings.ToLower(w); {
	case slices.Contains([]string{"critical", "high", "medium", "low", "none", "info"}, w):
		return cdx.Severity(w)
	case w == "important":
		return cdx.SeverityHigh
	case w == "moderate":
		return cdx.SeverityMedium
	case w == "negligible", w == "unimportant":
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}
