package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/drydock/drydock/match"
)

// sarifSchemaURI is the schema a SARIF 2.1.0 log names; code-scanning
// services read it to know the version.
const sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// The subset of SARIF 2.1.0 drydock writes. Field names and nesting follow
// the OASIS specification; the test validates the output against its schema.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool      `json:"tool"`
		Results    []sarifResult  `json:"results"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      *sarifText     `json:"fullDescription,omitempty"`
		HelpURI              string         `json:"helpUri,omitempty"`
		Help                 *sarifText     `json:"help,omitempty"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifText struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          *sarifText    `json:"message,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
)

// sarifWriter writes one run with one rule per vulnerability ID and one
// result per finding, located at the file the package was found in.
type sarifWriter struct{}

var _ Writer = sarifWriter{}

func (sarifWriter) Write(w io.Writer, r *Report) error {
	fs := sorted(r.Findings)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "drydock", Version: r.toolVersion(),
			InformationURI: "https://github.com/drydock/drydock",
			Rules:          []sarifRule{},
		}},
		Results: []sarifResult{},
		Properties: map[string]any{
			"image":  imageName(r.Inventory),
			"digest": r.Inventory.Digest,
		},
	}
	ruleIndex := map[string]int{}
	worst := map[int]float64{}
	for i := range fs {
		f := &fs[i]
		idx, ok := ruleIndex[f.ID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.ID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f))
		}
		worst[idx] = max(worst[idx], f.Score)
		run.Results = append(run.Results, sarifResultFor(f, idx))
	}
	// A rule's security-severity is its worst finding's score, the number
	// GitHub code scanning ranks alerts by; without a score it is left out.
	for idx, score := range worst {
		if score > 0 {
			run.Tool.Driver.Rules[idx].Properties["security-severity"] = fmt.Sprintf("%.1f", score)
		}
	}
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("report: writing SARIF: %w", err)
	}
	return nil
}

func sarifRuleFor(f *match.Finding) sarifRule {
	short := f.Summary
	if short == "" {
		short = f.ID
	}
	rule := sarifRule{
		ID:                   f.ID,
		ShortDescription:     sarifText{Text: short},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
		Properties: map[string]any{
			"tags":     []string{"security", "vulnerability", f.Severity.String()},
			"severity": f.Severity.String(),
			"aliases":  f.IDs,
		},
	}
	var help strings.Builder
	fmt.Fprintf(&help, "%s (%s)", f.ID, f.Severity)
	if f.Vector != "" {
		fmt.Fprintf(&help, ", CVSS %.1f %s", f.Score, f.Vector)
	}
	if len(f.IDs) > 1 {
		fmt.Fprintf(&help, ". Also known as %s", strings.Join(f.IDs[1:], ", "))
	}
	rule.FullDescription = &sarifText{Text: help.String()}
	for _, ref := range f.References {
		if u, err := url.Parse(ref); err == nil && u.IsAbs() && u.Host != "" {
			if rule.HelpURI == "" {
				rule.HelpURI = u.String()
			}
		}
	}
	if rule.HelpURI != "" {
		rule.Help = &sarifText{Text: help.String() + ". See " + rule.HelpURI}
	}
	return rule
}

func sarifResultFor(f *match.Finding, ruleIdx int) sarifResult {
	msg := fmt.Sprintf("%s in %s %s: fixed in %s", f.ID, f.Package.Name, f.Installed, fixedText(f))
	if len(f.Fixed) == 0 {
		msg = fmt.Sprintf("%s in %s %s: no fixed version yet", f.ID, f.Package.Name, f.Installed)
	}
	res := sarifResult{
		RuleID: f.ID, RuleIndex: ruleIdx, Level: sarifLevel(f.Severity),
		Message: sarifText{Text: msg},
		// Code scanning keeps one alert per fingerprint across runs: the
		// vulnerability in this package at this path.
		PartialFingerprints: map[string]string{
			"drydock/v1": strings.Join([]string{f.ID, f.Package.Type, f.Package.Name, f.Package.Path}, "|"),
		},
		Properties: map[string]any{
			"package":          f.Package.Name,
			"packageType":      f.Package.Type,
			"purl":             f.Package.PURL,
			"installedVersion": f.Installed,
			"fixedVersions":    f.Fixed,
			"layer":            f.Package.Layer,
		},
	}
	if f.Package.Path != "" {
		u := url.URL{Path: f.Package.Path}
		res.Locations = []sarifLocation{{
			PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: u.String()}},
			Message:          &sarifText{Text: f.Package.Name + " " + f.Package.Version},
		}}
	}
	return res
}

// sarifLevel maps a severity to SARIF's levels: high and critical are
// errors, medium and unknown warnings (unknown is not known to be mild),
// low a note.
func sarifLevel(s match.Severity) string {
	switch s {
	case match.SeverityCritical, match.SeverityHigh:
		return "error"
	case match.SeverityLow:
		return "note"
	}
	return "warning"
}
