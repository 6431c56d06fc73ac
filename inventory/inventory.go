// Package inventory defines what drydock knows about the contents of an image:
// its identity, its layers and build steps, its operating system, and every
// package found in it with the layer that introduced it.
//
// It is the one model that every later stage reads: the SBOM writers and
// readers, vulnerability matching, policy, the registry's scan on push and
// the rematch of stored SBOMs. Everything is keyed by the image's manifest digest.
package inventory

import (
	"strconv"
	"time"
)

// Inventory is everything cataloged in one image (or read back from an SBOM).
type Inventory struct {
	// Source is the image reference as the user gave it, e.g. "oci:./build:1.2".
	Source string `json:"source"`
	// Name is the repository name without transport, tag or digest, where known
	// ("registry.local:5000/team/app"); empty for dir: sources.
	Name string `json:"name,omitempty"`
	// Digest is the manifest digest ("sha256:…"); empty for dir: sources.
	Digest string `json:"digest,omitempty"`
	// ConfigDigest is the digest of the image config blob, where there is one.
	ConfigDigest string `json:"configDigest,omitempty"`
	// Platform is "os/arch[/variant]" of the image that was cataloged.
	Platform string `json:"platform,omitempty"`
	// Created is the image creation time from its config, if stated.
	Created *time.Time `json:"created,omitempty"`
	// OS is the operating system release found in /etc/os-release (or
	// /usr/lib/os-release) of the final filesystem; nil when there is none.
	OS *OS `json:"os,omitempty"`
	// Layers are the image's filesystem layers, bottom first.
	Layers []Layer `json:"layers"`
	// Packages are sorted by type, name, version and path.
	Packages []Package `json:"packages"`
	// Warnings name input that was skipped but did not stop the catalog
	// (an unreadable database, a file over the size limit, …).
	Warnings []string `json:"warnings,omitempty"`
	// Integrity lists layer entries that try to reach outside the image (a
	// name such as "../../var/lib/dpkg/status", a hard link out of the
	// root). They were not read; the policy decides what they mean.
	Integrity []IntegrityFinding `json:"integrity,omitempty"`
}

// IntegrityFinding is one hostile entry in one layer.
type IntegrityFinding struct {
	// Layer is the index of the layer holding the entry.
	Layer int `json:"layer"`
	// Entry is the entry's name, cleaned, as the layer records it.
	Entry string `json:"entry"`
	// Reason says what is wrong with it, naming the entry.
	Reason string `json:"reason"`
}

func (f IntegrityFinding) String() string {
	return "layer " + strconv.Itoa(f.Layer) + ": " + f.Reason
}

// OS is the distribution release of an image, from os-release.
type OS struct {
	ID         string `json:"id"`                   // "debian", "alpine", "ubuntu", "rhel", …
	VersionID  string `json:"versionId,omitempty"`  // "12", "3.19.1", "22.04"
	Codename   string `json:"codename,omitempty"`   // "bookworm"
	PrettyName string `json:"prettyName,omitempty"` // "Debian GNU/Linux 12 (bookworm)"
}

// Layer is one filesystem layer of an image.
type Layer struct {
	// Index is the layer's position, 0 for the bottom layer.
	Index int `json:"index"`
	// DiffID is the digest of the uncompressed layer tar ("sha256:…").
	DiffID string `json:"diffId"`
	// Digest is the digest of the layer blob as stored (compressed), where known.
	Digest string `json:"digest,omitempty"`
	// Size is the stored (compressed) size in bytes, where known.
	Size int64 `json:"size,omitempty"`
	// CreatedBy is the build step from the image history that produced the
	// layer, e.g. "RUN /bin/sh -c apt-get install -y curl".
	CreatedBy string `json:"createdBy,omitempty"`
}

// Package types. The type says which package manager or language put the
// package there; Ecosystem says which OSV ecosystem its advisories live in.
const (
	TypeDeb      = "deb"
	TypeAPK      = "apk"
	TypeRPM      = "rpm"
	TypeGoModule = "go-module"
	TypeGoStdlib = "go-stdlib"
	TypeNPM      = "npm"
	TypePython   = "python"
	TypeJava     = "java"
	TypeRust     = "rust"
	TypeGem      = "gem"
	TypePHP      = "php"
	TypeDotnet   = "dotnet"
)

// Package is one installed package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is one of the Type* constants.
	Type string `json:"type"`
	// PURL is the package URL, e.g. "pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12".
	PURL string `json:"purl"`
	// Ecosystem is the OSV ecosystem with its release where one applies:
	// "Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS", "Go", "npm", "PyPI",
	// "Maven", "crates.io", "RubyGems", "Packagist", "NuGet".
	Ecosystem string `json:"ecosystem"`
	// SourceName and SourceVersion are the distro source package, where the
	// package manager records it (dpkg Source:, rpm SOURCERPM, apk origin).
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	// Arch is the package architecture where recorded ("amd64", "x86_64").
	Arch string `json:"arch,omitempty"`
	// Licenses as declared by the package, where recorded.
	Licenses []string `json:"licenses,omitempty"`
	// Path is the file the package was found in, relative to the image root
	// without a leading slash ("var/lib/dpkg/status", "app/server"); a
	// package inside an archive names the archive chain with "!"
	// ("app/app.jar!/BOOT-INF/lib/inner.jar").
	Path string `json:"path"`
	// Locations lists every file that declares this same package (the lockfile
	// and the installed package.json of one npm install root, say) when more
	// than one does; Path is the first of them. Empty when Path is the only one.
	Locations []string `json:"locations,omitempty"`
	// Owner is the OS package that installed the binary this package is
	// compiled into ("fzf" for the Go modules and standard library inside
	// Debian's /usr/bin/fzf); empty when no OS package owns the file.
	Owner string `json:"owner,omitempty"`
	// Symbols lists, for a Go module or the Go standard library, its
	// functions compiled into the binary at Path ("net/http.Client.Do"),
	// inlined ones included, as read from the binary's pclntab; nil when
	// the table could not be read. Catalog data only: it is not written to
	// SBOMs, so a package read back from one has none.
	Symbols []string `json:"-"`
	// Layer is the index into Inventory.Layers of the layer that introduced
	// the package; -1 when unknown (an SBOM without layer data).
	Layer int `json:"layer"`
}
