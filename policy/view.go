package policy

import (
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// These records are what CEL rules see. They copy the inventory and findings
// into flat values with lower-camel field names, so the rule language stays
// stable when the Go model grows, and unknown values are zero (has() is
// false for them).

type image struct {
	Name     string    `cel:"name"`
	Digest   string    `cel:"digest"`
	Source   string    `cel:"source"`
	Platform string    `cel:"platform"`
	Created  time.Time `cel:"created"`
	OS       osRelease `cel:"os"`
	Layers   []layer   `cel:"layers"`
}

type osRelease struct {
	ID         string `cel:"id"`
	VersionID  string `cel:"versionId"`
	Codename   string `cel:"codename"`
	PrettyName string `cel:"prettyName"`
}

type layer struct {
	Index     int64  `cel:"index"`
	DiffID    string `cel:"diffId"`
	Digest    string `cel:"digest"`
	Size      int64  `cel:"size"`
	CreatedBy string `cel:"createdBy"`
}

type packageInfo struct {
	Name          string   `cel:"name"`
	Version       string   `cel:"version"`
	Type          string   `cel:"type"`
	PURL          string   `cel:"purl"`
	Ecosystem     string   `cel:"ecosystem"`
	SourceName    string   `cel:"sourceName"`
	SourceVersion string   `cel:"sourceVersion"`
	Arch          string   `cel:"arch"`
	Licenses      []string `cel:"licenses"`
	Path          string   `cel:"path"`
	Layer         int64    `cel:"layer"`
}

type finding struct {
	ID        string      `cel:"id"`
	IDs       []string    `cel:"ids"`
	Severity  string      `cel:"severity"`
	Score     float64     `cel:"score"`
	Fixed     []string    `cel:"fixed"`
	Fixable   bool        `cel:"fixable"`
	Installed string      `cel:"installed"`
	Package   packageInfo `cel:"package"`
	KEV       bool        `cel:"kev"`
	EPSS      float64     `cel:"epss"`
}

func imageView(inv *inventory.Inventory) image {
	v := image{Name: inv.Name, Digest: inv.Digest, Source: inv.Source, Platform: inv.Platform}
	if inv.Created != nil {
		v.Created = inv.Created.UTC()
	}
	if inv.OS != nil {
		v.OS = osRelease{ID: inv.OS.ID, VersionID: inv.OS.VersionID, Codename: inv.OS.Codename, PrettyName: inv.OS.PrettyName}
	}
	v.Layers = make([]layer, len(inv.Layers))
	for i, l := range inv.Layers {
		v.Layers[i] = layer{Index: int64(l.Index), DiffID: l.DiffID, Digest: l.Digest, Size: l.Size, CreatedBy: l.CreatedBy}
	}
	return v
}

func packageView(p *inventory.Package) packageInfo {
	return packageInfo{
		Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL, Ecosystem: p.Ecosystem,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion, Arch: p.Arch,
		Licenses: p.Licenses, Path: p.Path, Layer: int64(p.Layer),
	}
}

func findingView(f *match.Finding, severity func(*match.Finding) match.Severity) finding {
	v := finding{
		ID: f.ID, IDs: f.IDs, Severity: severityName(severity(f)), Score: f.Score,
		Fixed: f.Fixed, Fixable: len(f.Fixed) > 0, Installed: f.Installed,
		Package: packageView(&f.Package), KEV: f.KEV,
	}
	if f.EPSS != nil {
		v.EPSS = *f.EPSS
	}
	return v
}

// celVars builds the activation shared by every rule of one evaluation.
func celVars(inv *inventory.Inventory, counting []match.Finding, severity func(*match.Finding) match.Severity, now time.Time) map[string]any {
	pkgs := make([]packageInfo, len(inv.Packages))
	for i := range inv.Packages {
		pkgs[i] = packageView(&inv.Packages[i])
	}
	fs := make([]finding, len(counting))
	for i := range counting {
		fs[i] = findingView(&counting[i], severity)
	}
	return map[string]any{"image": imageView(inv), "packages": pkgs, "findings": fs, "now": now.UTC()}
}
