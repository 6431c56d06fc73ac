package sbom

import (
	"strings"

	"github.com/drydock/drydock/inventory"
)

// Scanners people feed drydock record the distro facts a match needs in
// their own properties, next to the purl: the source package, and the
// source version in parts. Read together with the purl (packageFromPURL),
// they give the same package drydock's own catalog gives, so that
// `scan sbom:FILE` finds what `scan IMAGE` finds.
//
// Trivy (CycloneDX properties "aquasecurity:trivy:KEY", SPDX annotations
// "KEY: VALUE") splits a dpkg version 1:4.13+dfsg1-1 into SrcEpoch 1,
// SrcVersion 4.13+dfsg1 and SrcRelease 1, and an rpm source version into
// SrcVersion and SrcRelease; its SPDX (v0.74.0) annotates no Src* property
// and says "built package from: shadow 1:4.13+dfsg1-1" in sourceInfo. Syft
// (CycloneDX properties "syft:metadata:KEY") writes the dpkg Source: field
// as source and sourceVersion.

// foreignFacts are the tool properties that matter, by their short name.
type foreignFacts map[string]string

const (
	trivyPrefix = "aquasecurity:trivy:"
	syftPrefix  = "syft:metadata:"
)

// addProp records a CycloneDX property if it is one of the facts.
func (f foreignFacts) addProp(name, value string) {
	switch {
	case strings.HasPrefix(name, trivyPrefix):
		f["trivy:"+strings.TrimPrefix(name, trivyPrefix)] = value
	case strings.HasPrefix(name, syftPrefix):
		f["syft:"+strings.TrimPrefix(name, syftPrefix)] = value
	}
}

// addTrivyAnnotation records an SPDX annotation comment "KEY: VALUE", the
// form Trivy's SPDX writer gives its properties.
func (f foreignFacts) addTrivyAnnotation(comment string) {
	k, v, ok := strings.Cut(comment, ": ")
	if ok && !strings.ContainsAny(k, " \t\n") {
		f["trivy:"+k] = strings.TrimSpace(v)
	}
}

// addTrivySourceInfo records the SPDX sourceInfo Trivy writes, "built
// package from: NAME VERSION" with the source version whole; its SPDX
// annotations leave the Src* properties out.
func (f foreignFacts) addTrivySourceInfo(info string) {
	rest, ok := strings.CutPrefix(info, "built package from: ")
	if !ok {
		return
	}
	if name, version, ok := strings.Cut(strings.TrimSpace(rest), " "); ok && name != "" && version != "" {
		f["trivy:sourceInfoName"], f["trivy:sourceInfoVersion"] = name, version
	}
}

// apply sets the source package of p from the facts, over what the purl
// said: the tools' properties are complete where purls are not (Trivy's
// purls carry no source at all).
func (f foreignFacts) apply(p *inventory.Package) {
	if name := f["trivy:SrcName"]; name != "" {
		p.SourceName = name
		if v := trivySourceVersion(p.Type, f); v != "" {
			p.SourceVersion = v
		}
		return
	}
	if name := f["trivy:sourceInfoName"]; name != "" {
		p.SourceName, p.SourceVersion = name, f["trivy:sourceInfoVersion"]
		return
	}
	if name := f["syft:source"]; name != "" {
		p.SourceName = name
		if v := f["syft:sourceVersion"]; v != "" {
			p.SourceVersion = v
		}
	}
}

// trivySourceVersion joins Trivy's parts the way the package manager writes
// the version: dpkg [epoch:]version[-revision]; rpm version-release, the
// epoch left in the purl as drydock's own rpm packages have it.
func trivySourceVersion(typ string, f foreignFacts) string {
	v := f["trivy:SrcVersion"]
	if v == "" {
		return ""
	}
	if r := f["trivy:SrcRelease"]; r != "" {
		v += "-" + r
	}
	if e := f["trivy:SrcEpoch"]; typ == inventory.TypeDeb && e != "" && e != "0" {
		v = e + ":" + v
	}
	return v
}

// withEpoch puts a purl's epoch qualifier in front of a dpkg version, as
// dpkg writes it ("1:4.13+dfsg1-1"): without it the version sorts below
// every fix the distro published with the epoch, and each is a false
// finding. rpm keeps its epoch in the purl, as drydock's catalog does.
func withEpoch(typ, version, epoch string) string {
	if typ != inventory.TypeDeb || epoch == "" || epoch == "0" || version == "" || strings.Contains(version, ":") {
		return version
	}
	return epoch + ":" + version
}
