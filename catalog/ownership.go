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

// parseOwned reads the owned paths out of a text ownership file, with the
// owning package of each where the file lists several packages (apk's
// database); a dpkg list is one package's, named by the file (ownerOfList).
func parseOwned(k ownerKind, data []byte) (owns, owners []string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	dir, pkg := "", ""
	for sc.Scan() {
		line := sc.Text()
		switch k {
		case ownerDpkgList:
			owns = appendOwned(owns, line)
		case ownerDpkgMD5:
			if _, p, ok := strings.Cut(line, "  "); ok {
				owns = appendOwned(owns, p)
			}
		case ownerAPK:
			switch {
			case line == "":
				dir, pkg = "", ""
			case strings.HasPrefix(line, "P:"):
				pkg = line[2:]
			case strings.HasPrefix(line, "F:"):
				dir = line[2:]
			case strings.HasPrefix(line, "R:"):
				if p, ok := cleanOwned(path.Join(dir, line[2:])); ok {
					owns, owners = append(owns, p), append(owners, pkg)
				}
			}
		}
	}
	return owns, owners
}

// ownerOfList names the package a per-package ownership file belongs to:
// var/lib/dpkg/info/fzf.list or fzf:amd64.list, status.d/fzf.md5sums.
func ownerOfList(p string) string {
	name := path.Base(p)
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".list"), ".md5sums")
	name, _, _ = strings.Cut(name, ":")
	return name
}

func appendOwned(out []string, p string) []string {
	if c, ok := cleanOwned(p); ok {
		return append(out, c)
	}
	return out
}

// cleanOwned makes an owned path relative and clean; ok is false for the
// root itself.
func cleanOwned(p string) (string, bool) {
	p = strings.TrimPrefix(path.Clean("/"+strings.TrimSpace(p)), "/")
	return p, p != "" && p != "."
}

// rpmOwned lists the files of every package in the rpm database at file,
// and the package of each.
func rpmOwned(file string) (out, owners []string, err error) {
	db, err := rpmdb.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("opening rpm database: %w", err)
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		return nil, nil, fmt.Errorf("listing rpm packages: %w", err)
	}
	for _, p := range pkgs {
		names, err := p.InstalledFileNames()
		if err != nil {
			return out, owners, fmt.Errorf("files of rpm %s: %w", p.Name, err)
		}
		for _, n := range names {
			if c, ok := cleanOwned(n); ok {
				out, owners = append(out, c), append(owners, p.Name)
			}
		}
	}
	return out, owners, nil
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
