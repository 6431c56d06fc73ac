package catalog

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"

	rpmdb "github.com/erikvarga/go-rpmdb/pkg"
	"github.com/google/osv-scalibr/extractor/filesystem/os/osrelease"
)

// Ownership: OS package managers record which files their packages
// installed. A Python, Go or Java package whose file an OS package owns is
// reported once, as the OS package; the lists below are the evidence.

// ownerKind says which of our own parsers reads a file, next to (or instead
// of) the scalibr extractors.
type ownerKind int

const (
	ownerNone      ownerKind = iota
	ownerDpkgList            // var/lib/dpkg/info/NAME.list: one absolute path a line
	ownerDpkgMD5             // var/lib/dpkg/status.d/NAME.md5sums (distroless): "md5  path"
	ownerAPK                 // lib/apk/db/installed: F: directory, R: file lines
	ownerRPM                 // the rpm database: go-rpmdb lists each package's files
	ownerOSRelease           // etc/os-release, usr/lib/os-release
)

func ownerKindOf(p string) ownerKind {
	switch {
	case strings.HasPrefix(p, "var/lib/dpkg/info/") && strings.HasSuffix(p, ".list"):
		return ownerDpkgList
	case strings.HasPrefix(p, "var/lib/dpkg/status.d/") && strings.HasSuffix(p, ".md5sums"):
		return ownerDpkgMD5
	case p == "lib/apk/db/installed" || p == "var/lib/apk/db/installed" || p == "usr/lib/apk/db/installed":
		return ownerAPK
	case p == "etc/os-release" || p == "usr/lib/os-release":
		return ownerOSRelease
	}
	switch path.Dir(p) {
	case "var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm":
		switch path.Base(p) {
		case "Packages", "Packages.db", "rpmdb.sqlite":
			return ownerRPM
		}
	}
	return ownerNone
}

// parseOwned reads the owned paths out of a text ownership file.
func parseOwned(k ownerKind, data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	dir := ""
	for sc.Scan() {
		line := sc.Text()
		switch k {
		case ownerDpkgList:
			out = appendOwned(out, line)
		case ownerDpkgMD5:
			if _, p, ok := strings.Cut(line, "  "); ok {
				out = appendOwned(out, p)
			}
		case ownerAPK:
			switch {
			case line == "":
				dir = ""
			case strings.HasPrefix(line, "F:"):
				dir = line[2:]
			case strings.HasPrefix(line, "R:"):
				out = appendOwned(out, path.Join(dir, line[2:]))
			}
		}
	}
	return out
}

func appendOwned(out []string, p string) []string {
	p = strings.TrimPrefix(path.Clean("/"+strings.TrimSpace(p)), "/")
	if p == "" || p == "." {
		return out
	}
	return append(out, p)
}

// rpmOwned lists the files of every package in the rpm database at file.
func rpmOwned(file string) ([]string, error) {
	db, err := rpmdb.Open(file)
	if err != nil {
		return nil, fmt.Errorf("opening rpm database: %w", err)
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		return nil, fmt.Errorf("listing rpm packages: %w", err)
	}
	var out []string
	for _, p := range pkgs {
		names, err := p.InstalledFileNames()
		if err != nil {
			return out, fmt.Errorf("files of rpm %s: %w", p.Name, err)
		}
		for _, n := range names {
			out = appendOwned(out, n)
		}
	}
	return out, nil
}

// parseOSRelease reads os-release(5) with scalibr's parser, which handles
// quoting the way systemd documents it.
func parseOSRelease(data []byte) map[string]string {
	m, err := osrelease.GetOSRelease(memFS{"etc/os-release": data})
	if err != nil {
		return nil
	}
	return m
}
